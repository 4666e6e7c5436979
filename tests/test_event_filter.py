"""The filter between the CLI's stream events and the client's: one Anthropic message."""

from messages_api.event_filter import EventFilter
from messages_api.message_builder import MessageBuilder
from messages_api.wire import PING_BYTES
from messages_api.wire.anthropic import frame

CLIENT_MODEL = "claude-sonnet-4-5-20250929"


def message_start(message_id="msg_1", model="claude-sonnet-4-5"):
    return {
        "type": "message_start",
        "message": {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 1},
        },
    }


def text_start(index):
    return {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}


def text_delta(index, text):
    return {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}


def tool_start(index, name, tool_id="toolu_1"):
    return {
        "type": "content_block_start",
        "index": index,
        "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}},
    }


def json_delta(index, partial):
    return {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": partial}}


def block_stop(index):
    return {"type": "content_block_stop", "index": index}


def message_delta(stop_reason, output_tokens=5):
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }


def usage(input_tokens=3, output_tokens=5):
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def closing_delta(stop_reason, **tokens):
    return {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": usage(**tokens)}


def feed_all(event_filter, events):
    out = []
    for event in events:
        out.extend(event_filter.feed(event))
    return out


def test_it_passes_a_single_text_turn_through_with_the_clients_model():
    event_filter = EventFilter(CLIENT_MODEL)

    seen = feed_all(
        event_filter,
        [
            message_start(),
            text_start(0),
            text_delta(0, "Hello"),
            block_stop(0),
            message_delta("end_turn"),
            {"type": "message_stop"},
        ],
    )

    expected_start = message_start(model=CLIENT_MODEL)
    assert seen == [expected_start, text_start(0), text_delta(0, "Hello"), block_stop(0)]
    assert event_filter.finish() == [closing_delta("end_turn"), {"type": "message_stop"}]


def test_it_does_not_change_the_upstream_event_when_it_replaces_the_model():
    upstream_event = message_start()

    EventFilter(CLIENT_MODEL).feed(upstream_event)

    assert upstream_event == message_start()


def test_it_sends_one_message_with_contiguous_indices_across_internal_turns():
    event_filter = EventFilter(CLIENT_MODEL)

    seen = feed_all(
        event_filter,
        [
            message_start("msg_1"),
            text_start(0),
            text_delta(0, "Let me look."),
            block_stop(0),
            tool_start(1, "mcp__search__find"),
            json_delta(1, '{"q":'),
            json_delta(1, '"x"}'),
            block_stop(1),
            message_delta("tool_use"),
            {"type": "message_stop"},
            message_start("msg_2"),
            text_start(0),
            text_delta(0, "Found it."),
            block_stop(0),
            message_delta("end_turn", output_tokens=9),
            {"type": "message_stop"},
        ],
    )

    assert seen == [
        message_start("msg_1", model=CLIENT_MODEL),
        text_start(0),
        text_delta(0, "Let me look."),
        block_stop(0),
        text_start(1),
        text_delta(1, "Found it."),
        block_stop(1),
    ]
    # The usage of both model turns, added up: the response showed them both.
    assert event_filter.finish() == [closing_delta("end_turn", input_tokens=6, output_tokens=14), {"type": "message_stop"}]


def test_it_keeps_a_client_tool_use_block_after_a_hidden_internal_one():
    event_filter = EventFilter(CLIENT_MODEL)

    seen = feed_all(
        event_filter,
        [
            message_start(),
            tool_start(0, "mcp__internal__lookup", "toolu_internal"),
            json_delta(0, "{}"),
            block_stop(0),
            tool_start(1, "get_weather", "toolu_client"),
            json_delta(1, '{"city":"Paris"}'),
            block_stop(1),
            message_delta("tool_use"),
        ],
    )

    assert seen == [
        message_start(model=CLIENT_MODEL),
        tool_start(0, "get_weather", "toolu_client"),
        json_delta(0, '{"city":"Paris"}'),
        block_stop(0),
    ]
    assert event_filter.finish() == [closing_delta("tool_use"), {"type": "message_stop"}]


def test_it_hides_an_internal_server_tool_use_block():
    event_filter = EventFilter(CLIENT_MODEL)
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "server_tool_use", "id": "srvtoolu_1", "name": "mcp__x__y", "input": {}},
    }

    assert feed_all(event_filter, [message_start(), start, json_delta(0, "{}"), block_stop(0)]) == [
        message_start(model=CLIENT_MODEL)
    ]


def test_it_keeps_only_the_last_turns_stop_reason():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(
        event_filter,
        [
            message_start("msg_1"),
            message_delta("tool_use", output_tokens=2),
            message_start("msg_2"),
            message_delta("max_tokens", output_tokens=4),
        ],
    )

    assert event_filter.finish() == [closing_delta("max_tokens", output_tokens=4), {"type": "message_stop"}]


def test_it_reports_its_own_model_turns_usage_not_the_cli_result():
    # The CLI's result counts its whole turn, which may span several responses.
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start(), message_delta("end_turn", output_tokens=5), {"type": "message_stop"}])

    closing = event_filter.finish(usage={"input_tokens": 99, "output_tokens": 99}, stop_reason="refusal")

    assert closing == [closing_delta("refusal"), {"type": "message_stop"}]
    assert event_filter.usage == usage()


def test_it_reports_the_result_usage_as_ints_when_no_model_turn_was_streamed():
    event_filter = EventFilter(CLIENT_MODEL)

    closing = event_filter.finish(
        usage={
            "input_tokens": 12,
            "output_tokens": "30",
            "cache_creation_input_tokens": None,
            "cache_read_input_tokens": 7.0,
            "service_tier": "standard",
        },
        stop_reason="max_tokens",
    )

    assert closing == [
        {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
            "usage": {"input_tokens": 12, "output_tokens": 30, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 7},
        },
        {"type": "message_stop"},
    ]


def test_it_does_not_change_the_held_delta_when_it_finishes():
    event_filter = EventFilter(CLIENT_MODEL)
    held = message_delta("end_turn")
    event_filter.feed(held)

    event_filter.finish(usage={"input_tokens": 1}, stop_reason="refusal")

    assert held == message_delta("end_turn")


def test_it_synthesizes_end_turn_when_no_delta_was_seen():
    event_filter = EventFilter(CLIENT_MODEL)
    event_filter.feed(message_start())

    assert event_filter.finish() == [closing_delta("end_turn", output_tokens=1), {"type": "message_stop"}]


def test_it_synthesizes_a_delta_with_the_given_usage_and_stop_reason():
    event_filter = EventFilter(CLIENT_MODEL)

    assert event_filter.finish(usage={"input_tokens": 4, "output_tokens": 2}, stop_reason="tool_use") == [
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {
                "input_tokens": 4,
                "output_tokens": 2,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        },
        {"type": "message_stop"},
    ]


def test_it_closes_blocks_left_open_when_it_finishes():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start(), text_start(0), text_delta(0, "cut")])

    assert event_filter.finish() == [block_stop(0), closing_delta("end_turn", output_tokens=1), {"type": "message_stop"}]


def test_it_closes_open_blocks_before_the_error_envelope_on_failure():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(
        event_filter,
        [
            message_start(),
            text_start(0),
            text_delta(0, "done"),
            block_stop(0),
            text_start(1),
            text_delta(1, "partial"),
            tool_start(2, "get_weather"),
        ],
    )
    assert event_filter.close() == [block_stop(1), block_stop(2)]
    assert event_filter.finish() == [closing_delta("end_turn", output_tokens=1), {"type": "message_stop"}]


def test_it_closes_nothing_when_no_block_is_open():
    assert EventFilter(CLIENT_MODEL).close() == []


def test_it_drops_events_of_unknown_type():
    event_filter = EventFilter(CLIENT_MODEL)

    assert event_filter.feed({"type": "ping"}) == []
    assert event_filter.feed({"type": "something_new", "index": 0}) == []
    assert event_filter.feed({"no": "type"}) == []


def test_it_drops_deltas_and_stops_for_blocks_it_never_started():
    event_filter = EventFilter(CLIENT_MODEL)
    event_filter.feed(message_start())

    assert event_filter.feed(text_delta(3, "stray")) == []
    assert event_filter.feed(block_stop(3)) == []


def test_it_frames_an_event_as_exact_sse_bytes():
    event = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi \"you\"\né"}}

    assert frame(event) == (
        b"event: content_block_delta\n"
        b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \\"you\\"\\n\\u00e9"}}\n\n'
    )
    assert frame({"type": "message_stop"}) == b'event: message_stop\ndata: {"type":"message_stop"}\n\n'


def test_it_pings_with_an_sse_comment():
    assert PING_BYTES == b": ping\n\n"


def build(events):
    builder = MessageBuilder()
    for event in events:
        builder.add(event)
    return builder.result()


def test_it_builds_a_text_message_from_the_client_events():
    message = build(
        [
            message_start(model=CLIENT_MODEL),
            text_start(0),
            text_delta(0, "Hello, "),
            text_delta(0, "world."),
            block_stop(0),
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"input_tokens": 3, "output_tokens": 4},
            },
            {"type": "message_stop"},
        ]
    )

    assert message == {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": CLIENT_MODEL,
        "content": [{"type": "text", "text": "Hello, world."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }


def test_it_builds_thinking_with_its_signature_and_a_tool_use_with_its_input():
    message = build(
        [
            message_start(),
            {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Weather "}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "needed."}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig=="}},
            block_stop(0),
            tool_start(1, "get_weather", "toolu_9"),
            json_delta(1, '{"city": '),
            json_delta(1, '"Paris", "days": [1, 2]}'),
            block_stop(1),
            tool_start(2, "get_time", "toolu_10"),
            json_delta(2, ""),
            block_stop(2),
            message_delta("tool_use", output_tokens=21),
        ]
    )

    assert message["content"] == [
        {"type": "thinking", "thinking": "Weather needed.", "signature": "sig=="},
        {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {"city": "Paris", "days": [1, 2]}},
        {"type": "tool_use", "id": "toolu_10", "name": "get_time", "input": {}},
    ]
    assert message["stop_reason"] == "tool_use"
    assert message["stop_sequence"] is None
    assert message["usage"] == {"input_tokens": 3, "output_tokens": 21}


def test_it_orders_built_blocks_by_index():
    message = build(
        [
            message_start(),
            text_start(1),
            text_delta(1, "second"),
            text_start(0),
            text_delta(0, "first"),
            block_stop(1),
            block_stop(0),
        ]
    )

    assert message["content"] == [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}]


def test_it_ignores_a_whole_message_it_already_streamed():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start("msg_1"), text_start(0), text_delta(0, "Hi"), block_stop(0)])

    assert event_filter.feed_message("msg_1", [{"type": "text", "text": "Hi"}]) == []


def test_it_ignores_a_whole_message_after_the_answer_stopped_at_max_tokens():
    # The CLI resumes a cut answer by itself; its next model turn may arrive before the
    # interrupt lands, and only as a whole message.
    event_filter = EventFilter(CLIENT_MODEL)
    seen = feed_all(
        event_filter,
        [
            message_start("msg_1"),
            text_start(0),
            text_delta(0, "First half, "),
            block_stop(0),
            message_delta("max_tokens", output_tokens=5),
            {"type": "message_stop"},
        ],
    )

    assert seen[-2:] == [closing_delta("max_tokens"), {"type": "message_stop"}]
    assert event_filter.feed_message("msg_2", [{"type": "text", "text": "second half."}], "end_turn") == []
    assert event_filter.finish() == []


def test_it_ends_the_answer_at_a_refusal_with_the_whole_event_list():
    # The API's safety classifier stopped the model turn: the client gets it as the API
    # gives it, and nothing the CLI does after it (a retry of its own) is the client's.
    event_filter = EventFilter(CLIENT_MODEL)
    seen = feed_all(
        event_filter,
        [
            message_start("msg_1"),
            text_start(0),
            text_delta(0, "I can't "),
            text_delta(0, "help with that."),
            block_stop(0),
            message_delta("refusal", output_tokens=5),
            {"type": "message_stop"},
            message_start("msg_2"),
            text_start(0),
            text_delta(0, "Another try."),
        ],
    )

    assert seen == [
        {**message_start("msg_1"), "message": {**message_start("msg_1")["message"], "model": CLIENT_MODEL}},
        text_start(0),
        text_delta(0, "I can't "),
        text_delta(0, "help with that."),
        block_stop(0),
        closing_delta("refusal"),
        {"type": "message_stop"},
    ]
    assert event_filter.stopped_early
    assert event_filter.feed_message("msg_3", [{"type": "text", "text": "Again."}], "end_turn") == []
    assert event_filter.finish() == []


def test_it_turns_a_message_that_came_without_stream_events_into_events():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start("msg_1"), text_start(0), text_delta(0, "Cut o"), block_stop(0)])

    events = event_filter.feed_message(
        "msg_2",
        [
            {"type": "thinking", "thinking": "Again.", "signature": "sig"},
            {"type": "text", "text": "Whole answer."},
            {"type": "tool_use", "id": "toolu_9", "name": "mcp__opencode__read", "input": {"path": "x"}},
        ],
        stop_reason="end_turn",
    )

    assert events == [
        {"type": "content_block_start", "index": 1, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "thinking_delta", "thinking": "Again."}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "sig"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "Whole answer."}},
        {"type": "content_block_stop", "index": 2},
    ]
    assert event_filter.finish()[-2]["delta"]["stop_reason"] == "end_turn"


def test_it_starts_the_message_from_a_whole_message_when_nothing_streamed():
    event_filter = EventFilter(CLIENT_MODEL)

    events = event_filter.feed_message("msg_7", [{"type": "text", "text": "Only this."}])

    assert events[0]["type"] == "message_start"
    assert (events[0]["message"]["id"], events[0]["message"]["model"]) == ("msg_7", CLIENT_MODEL)
    assert [event["type"] for event in events[1:]] == ["content_block_start", "content_block_delta", "content_block_stop"]


def test_it_withdraws_a_model_turn_the_cli_closed_without_a_stop_reason():
    event_filter = EventFilter(CLIENT_MODEL)
    cut = [message_start("msg_cut"), text_start(0), text_delta(0, "c0 c1 "), block_stop(0), {"type": "message_stop"}]

    seen = feed_all(event_filter, cut)
    withdrawn = event_filter.take_withdrawn()
    retried = feed_all(event_filter, [message_start("msg_retry"), text_start(0), text_delta(0, "Hello"), block_stop(0)])

    assert seen == [message_start("msg_cut", model=CLIENT_MODEL), text_start(0), text_delta(0, "c0 c1 "), block_stop(0)]
    assert withdrawn == [0]
    assert retried == [text_start(0), text_delta(0, "Hello"), block_stop(0)]  # the same index again
    assert event_filter.take_withdrawn() == []


def test_it_withdraws_the_blocks_of_an_attempt_the_cli_retries():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start(), text_start(0), text_delta(0, "Half an ans")])

    event_filter.abandon()

    assert event_filter.take_withdrawn() == [0]
    assert event_filter.finish() == [message_delta("end_turn", output_tokens=5) | {"usage": {}}, {"type": "message_stop"}]


def test_it_withdraws_nothing_when_the_attempt_had_no_blocks_yet():
    event_filter = EventFilter(CLIENT_MODEL)
    feed_all(event_filter, [message_start()])

    event_filter.abandon()

    assert event_filter.take_withdrawn() == []


def test_it_pauses_on_client_tool_calls_and_renames_them():
    event_filter = EventFilter(CLIENT_MODEL, tool_routing=lambda name: name.removeprefix("mcp__client__") if name.startswith("mcp__client__") else None)

    seen = feed_all(
        event_filter,
        [
            message_start(),
            tool_start(0, "mcp__client__read", "toolu_a"),
            json_delta(0, '{"path": "a"}'),
            block_stop(0),
            tool_start(1, "mcp__other__x", "toolu_hidden"),
            block_stop(1),
            message_delta("tool_use", output_tokens=9),
            {"type": "message_stop"},
        ],
    )

    assert seen == [
        message_start(model=CLIENT_MODEL),
        tool_start(0, "read", "toolu_a"),
        json_delta(0, '{"path": "a"}'),
        block_stop(0),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"input_tokens": 3, "output_tokens": 9, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
        },
        {"type": "message_stop"},
    ]
    assert event_filter.paused_on == ("toolu_a",)
    assert event_filter.ended


def test_it_does_not_pause_on_a_tool_use_turn_of_hidden_tools_only():
    event_filter = EventFilter(CLIENT_MODEL)

    feed_all(event_filter, [message_start(), tool_start(0, "mcp__opencode__read"), block_stop(0), message_delta("tool_use"), {"type": "message_stop"}])

    assert event_filter.paused_on == ()


def test_it_skips_model_turns_an_earlier_response_already_showed():
    event_filter = EventFilter(CLIENT_MODEL, seen_message_ids={"msg_1"})

    assert event_filter.feed_message("msg_1", [{"type": "text", "text": "Shown before."}], "tool_use") == []
    assert event_filter.feed(message_start("msg_2")) == [message_start("msg_2", model=CLIENT_MODEL)]


WEATHER_SCHEMA = {"type": "object", "properties": {"temp": {"type": "number"}}, "required": ["temp"]}


def test_it_answers_a_structured_output_with_the_checked_object_as_one_text_block():
    event_filter = EventFilter(CLIENT_MODEL, structured=WEATHER_SCHEMA)

    seen = feed_all(
        event_filter,
        [
            message_start("msg_1"),
            text_start(0),
            text_delta(0, "Here it is."),
            block_stop(0),
            tool_start(1, "StructuredOutput", "toolu_bad"),
            json_delta(1, '{"city": "Oslo"}'),
            block_stop(1),
            message_delta("tool_use"),
            {"type": "message_stop"},
            message_start("msg_2"),
            tool_start(0, "StructuredOutput", "toolu_good"),
            json_delta(0, '{"city": "Oslo",'),
            json_delta(0, ' "temp": 3.5}'),
            block_stop(0),
            message_delta("tool_use", output_tokens=9),
            {"type": "message_stop"},
        ],
    )

    # The invalid call is no answer; the valid one is, as soon as its block ends.
    assert seen == [
        message_start("msg_1", model=CLIENT_MODEL),
        text_start(0),
        text_delta(0, '{"city": "Oslo", "temp": 3.5}'),
        block_stop(0),
    ]
    assert event_filter.paused_on == ()
    assert event_filter.finish(structured_output={"city": "Oslo", "temp": 3.5}) == [
        closing_delta("end_turn", input_tokens=6, output_tokens=14),
        {"type": "message_stop"},
    ]


def test_it_answers_with_the_clis_object_when_no_call_was_seen_valid():
    event_filter = EventFilter(CLIENT_MODEL, structured=WEATHER_SCHEMA)

    feed_all(event_filter, [message_start(), tool_start(0, "StructuredOutput"), json_delta(0, "{not json"), block_stop(0),
                            message_delta("tool_use"), {"type": "message_stop"}])  # fmt: skip

    assert event_filter.finish(structured_output={"temp": 1}) == [
        text_start(0), text_delta(0, '{"temp": 1}'), block_stop(0), closing_delta("end_turn"), {"type": "message_stop"},
    ]  # fmt: skip


def test_it_shows_client_tool_calls_before_a_structured_answer():
    event_filter = EventFilter(CLIENT_MODEL, tool_routing=lambda name: name.removeprefix("mcp__client__"), structured=WEATHER_SCHEMA)

    seen = feed_all(
        event_filter,
        [message_start(), text_start(0), text_delta(0, "Checking."), block_stop(0), tool_start(1, "mcp__client__weather"),
         json_delta(1, '{"city": "Oslo"}'), block_stop(1), message_delta("tool_use"), {"type": "message_stop"}],
    )  # fmt: skip

    assert seen[1:] == [tool_start(0, "weather"), json_delta(0, '{"city": "Oslo"}'), block_stop(0), closing_delta("tool_use"), {"type": "message_stop"}]
    assert event_filter.paused_on == ("toolu_1",)
