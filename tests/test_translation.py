"""events.Translation: the SDK's own message objects in, the client's events out, and
what the turn needs besides (session id, usage, internal tool calls, a point to resume
at, withdrawn blocks), with a failure raised as the ApiError the client gets."""

import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ToolUseBlock,
)

from messages_api.errors import ApiError, Failure, login_hint
from messages_api.event_filter import EventFilter
from messages_api.events import Translation

CLIENT_MODEL = "claude-sonnet-4-5-20250929"
SESSION = "5f0c5f43-2d7e-4d8a-9c1e-0d6f3f1d9a10"
STDERR = "the CLI's stderr tail"
NOT_SIGNED_IN = f"Claude Code is not signed in or its login expired. {login_hint()}"
ZERO_CACHE = {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def translation(**filter_options):
    return Translation(EventFilter(CLIENT_MODEL, **filter_options), Failure(), lambda: STDERR)


def read_all(translation, messages):
    events = []
    for message in messages:
        events += translation.read(message)
    return events


# The SDK's messages, as the CLI sends them.


def init():
    data = {"type": "system", "subtype": "init", "session_id": SESSION, "uuid": "u-init", "model": "claude-sonnet-4-5", "tools": []}
    return SystemMessage(subtype="init", data=data)


def api_retry(error="overloaded", status=529):
    data = {
        "type": "system",
        "subtype": "api_retry",
        "attempt": 1,
        "max_retries": 2,
        "retry_delay_ms": 500,
        "error_status": status,
        "error": error,
        "session_id": SESSION,
        "uuid": "u-retry",
    }
    return SystemMessage(subtype="api_retry", data=data)


def stream(event, parent_tool_use_id=None):
    return StreamEvent(uuid="u-stream", session_id=SESSION, event=event, parent_tool_use_id=parent_tool_use_id)


def assistant(message_id, content, *, entry, stop_reason=None, error=None, parent_tool_use_id=None, usage=None):
    return AssistantMessage(
        content=content,
        model="claude-sonnet-4-5-20250929",
        parent_tool_use_id=parent_tool_use_id,
        error=error,
        usage=usage,
        message_id=message_id,
        stop_reason=stop_reason,
        session_id=SESSION,
        uuid=entry,
    )


def result(*, is_error=False, usage=None, result_text="", api_error_status=None, errors=None, subtype="success"):
    return ResultMessage(
        subtype=subtype,
        duration_ms=1200,
        duration_api_ms=900,
        is_error=is_error,
        num_turns=1,
        session_id=SESSION,
        stop_reason="end_turn",
        total_cost_usd=0.01,
        usage=usage,
        result=result_text,
        api_error_status=api_error_status,
        errors=errors,
    )


# The raw stream events inside StreamEvent, and the client's events.


def message_start(message_id, model="claude-sonnet-4-5", input_tokens=3, output_tokens=1):
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
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        },
    }


def text_start(index):
    return {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}


def text_delta(index, text):
    return {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}


def tool_start(index, name, tool_id):
    return {"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}}}


def json_delta(index, partial):
    return {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": partial}}


def block_stop(index):
    return {"type": "content_block_stop", "index": index}


def message_delta(stop_reason, output_tokens=5):
    return {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {"output_tokens": output_tokens}}


MESSAGE_STOP = {"type": "message_stop"}


def usage(input_tokens, output_tokens):
    return {"input_tokens": input_tokens, "output_tokens": output_tokens, **ZERO_CACHE}


def closing_delta(stop_reason, usage, stop_sequence=None):
    return {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence}, "usage": usage}


def whole_message_start(message_id):
    """The message_start the filter makes for a model turn that came without a stream."""
    return message_start(message_id, model=CLIENT_MODEL, input_tokens=0, output_tokens=0)


def test_it_reads_a_streamed_turn_with_an_internal_tool_as_one_client_message():
    reading = translation()
    read = "mcp__opencode__read"
    first_turn = [
        stream(message_start("msg_1")),
        stream(text_start(0)),
        stream(text_delta(0, "Let me look.")),
        stream(block_stop(0)),
        stream(tool_start(1, read, "toolu_int")),
        stream(json_delta(1, '{"path": "notes.txt"}')),
        stream(block_stop(1)),
        assistant(
            "msg_1",
            [TextBlock(text="Let me look."), ToolUseBlock(id="toolu_int", name=read, input={"path": "notes.txt"})],
            entry="entry-1",
        ),
        stream(message_delta("tool_use")),
        stream(MESSAGE_STOP),
    ]
    second_turn = [
        stream(message_start("msg_2")),
        stream(text_start(0)),
        stream(text_delta(0, "It says hi.")),
        stream(block_stop(0)),
        assistant("msg_2", [TextBlock(text="It says hi.")], entry="entry-2"),
        stream(message_delta("end_turn")),
        stream(MESSAGE_STOP),
    ]

    assert reading.read(init()) == []
    assert reading.session_id == SESSION
    events = read_all(reading, first_turn + second_turn)
    closing = reading.read(result(usage=usage(99, 99), result_text="It says hi."))

    assert events == [
        message_start("msg_1", model=CLIENT_MODEL),
        text_start(0),
        text_delta(0, "Let me look."),
        block_stop(0),
        text_start(1),
        text_delta(1, "It says hi."),
        block_stop(1),
    ]
    # The usage of the model turns the client saw, added up; not the result's.
    assert closing == [closing_delta("end_turn", usage(6, 10)), MESSAGE_STOP]
    assert reading.usage == usage(6, 10)
    assert reading.internal_calls == [{"id": "toolu_int", "name": "read", "input": {"path": "notes.txt"}}]
    assert reading.last_entry == "entry-2"
    assert reading.withdrawn == []
    assert reading.failure == Failure()


def test_it_reads_a_model_turn_that_came_whole_without_a_stream():
    reading = translation()
    message = assistant(
        "msg_9",
        [
            TextBlock(text="Checking."),
            ToolUseBlock(id="toolu_bash", name="mcp__opencode__bash", input={"command": "ls"}),
            ToolUseBlock(id="toolu_other", name="mcp__client__lookup", input={"q": "x"}),
        ],
        entry="entry-9",
        stop_reason="tool_use",
    )

    events = reading.read(message)

    # The internal tools' blocks are not the client's (the default routing hides MCP tools).
    assert events == [
        whole_message_start("msg_9"),
        text_start(0),
        text_delta(0, "Checking."),
        block_stop(0),
    ]
    assert reading.internal_calls == [{"id": "toolu_bash", "name": "bash", "input": {"command": "ls"}}]
    assert reading.last_entry == "entry-9"
    assert reading.read(message) == []  # the same model turn again: already shown


def test_it_leaves_a_subagents_messages_out_of_the_clients_answer():
    reading = translation()
    messages = [
        stream(message_start("msg_sub"), parent_tool_use_id="toolu_task"),
        stream(text_start(0), parent_tool_use_id="toolu_task"),
        stream(text_delta(0, "subagent work"), parent_tool_use_id="toolu_task"),
        assistant(
            "msg_sub",
            [ToolUseBlock(id="toolu_sub", name="mcp__opencode__grep", input={"pattern": "x"})],
            entry="entry-sub",
            parent_tool_use_id="toolu_task",
        ),
    ]

    assert read_all(reading, messages) == []
    assert reading.filter.started is False
    assert (reading.last_entry, reading.internal_calls) == ("", [])


def test_it_withdraws_the_blocks_of_an_attempt_the_cli_retries():
    reading = translation()
    cut = [stream(message_start("msg_1")), stream(text_start(0)), stream(text_delta(0, "Hel"))]
    assert read_all(reading, cut) == [message_start("msg_1", model=CLIENT_MODEL), text_start(0), text_delta(0, "Hel")]

    assert reading.read(api_retry("overloaded", 529)) == []
    assert reading.withdrawn == [0]
    assert reading.failure.retry_error == "overloaded"

    retry = [
        stream(message_start("msg_2")),
        stream(text_start(0)),
        stream(text_delta(0, "Hello")),
        stream(block_stop(0)),
        stream(message_delta("end_turn")),
        stream(MESSAGE_STOP),
    ]
    events = reading.read(retry[0])
    assert reading.withdrawn == []  # said once, for the read that withdrew them
    events += read_all(reading, retry[1:])
    events += reading.read(result(usage=usage(3, 5)))

    # The retry's block takes the withdrawn one's index; the message is not started again,
    # and the abandoned attempt's usage is not counted.
    assert events == [text_start(0), text_delta(0, "Hello"), block_stop(0), closing_delta("end_turn", usage(3, 5)), MESSAGE_STOP]
    assert reading.usage == usage(3, 5)


def test_it_ends_the_turn_at_once_when_a_retry_is_for_a_refused_login():
    reading = translation()

    with pytest.raises(ApiError) as raised:
        reading.read(api_retry("authentication_failed", 401))

    assert (raised.value.status, raised.value.error_type) == (401, "authentication_error")
    assert (reading.failure.retry_error, reading.failure.api_error_status) == ("authentication_failed", 401)


def test_it_notes_an_assistant_error_and_raises_it_with_the_failed_result():
    reading = translation()
    failed = assistant(
        "msg_err", [TextBlock(text="API Error: Rate limit reached")], entry="entry-err", error="rate_limit"
    )

    assert read_all(reading, [init(), failed]) == []
    assert (reading.failure.assistant_error, reading.failure.text) == ("rate_limit", "API Error: Rate limit reached")
    assert reading.last_entry == ""  # an error is no point to resume at
    with pytest.raises(ApiError) as raised:
        reading.read(result(is_error=True, usage=usage(1, 0), result_text="Rate limit reached", api_error_status=429))

    error = raised.value
    assert (error.status, error.error_type) == (429, "rate_limit_error")
    assert error.message == "Claude usage limit reached; wait and retry (API Error: Rate limit reached)"
    assert reading.failure.api_error_status == 429
    assert reading.failure.stderr == STDERR
    assert reading.usage == usage(1, 0)


@pytest.mark.parametrize(
    "status, result_text, errors, expected",
    [
        pytest.param(529, "Overloaded", None, (529, "overloaded_error", "Claude is overloaded; retry in a few seconds (Overloaded)"), id="529"),
        pytest.param(401, "Invalid API key", None, (401, "authentication_error", NOT_SIGNED_IN), id="401"),
        pytest.param(500, "Internal server error", None, (502, "api_error", "The Claude API returned a server error (Internal server error)"), id="500"),
        pytest.param(400, "prompt is too long", None, (400, "invalid_request_error", "prompt is too long"), id="400"),
        pytest.param(None, None, ["it broke", "then again"], (500, "api_error", "it broke, then again"), id="no-status-errors-listed"),
    ],
)
def test_it_raises_a_failed_result_as_the_classified_api_error(status, result_text, errors, expected):
    reading = translation()
    read_all(reading, [init(), stream(message_start("msg_1")), stream(text_start(0))])

    with pytest.raises(ApiError) as raised:
        reading.read(result(is_error=True, result_text=result_text, api_error_status=status, errors=errors, subtype="error_during_execution"))

    error = raised.value
    assert (error.status, error.error_type, error.message) == expected
    assert reading.failure.api_error_status == status
    assert reading.filter.close() == [block_stop(0)]  # what the caller closes before the error


def test_it_takes_the_results_usage_when_no_model_turn_was_streamed():
    reading = translation()

    events = reading.read(result(usage={"input_tokens": 7, "output_tokens": 2, "service_tier": "standard"}))

    assert reading.usage == {"input_tokens": 7, "output_tokens": 2, "service_tier": "standard"}
    assert events == [closing_delta("end_turn", usage(7, 2)), MESSAGE_STOP]


def test_it_reports_the_usage_of_a_model_turn_that_came_whole():
    reading = translation()
    whole = assistant("msg_w", [TextBlock(text="Hi.")], entry="entry-w", stop_reason="end_turn", usage=usage(40, 12))

    events = reading.read(whole)
    reading.read(result(usage={"input_tokens": 40, "output_tokens": 12}))

    assert events[0]["message"]["usage"] == usage(40, 12)
    assert reading.usage == usage(40, 12)


def test_it_adds_nothing_after_an_answer_that_stopped_early_not_even_an_error():
    reading = translation(stop_sequences=["STOP"])
    events = read_all(
        reading,
        [stream(message_start("msg_1")), stream(text_start(0)), stream(text_delta(0, "Hello STOP and more"))],
    )
    assert events == [
        message_start("msg_1", model=CLIENT_MODEL),
        text_start(0),
        text_delta(0, "Hello "),
        block_stop(0),
        closing_delta("stop_sequence", usage(3, 1), stop_sequence="STOP"),
        MESSAGE_STOP,
    ]

    # The CLI is interrupted after the early stop: its turn ends in an error result.
    assert reading.read(result(is_error=True, result_text="interrupted", api_error_status=500)) == []
    assert reading.usage == usage(3, 1)
    assert reading.failure == Failure()
