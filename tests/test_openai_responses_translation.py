"""The Responses API at the edge, as data: input items and tools as the engine's
Anthropic request (Codex CLI's real requests among them), the engine's events as
Responses events, 400s naming the field (errors: test_openai_errors)."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from messages_api.errors import ApiError
from messages_api.wire.openai_responses import error_response
from messages_api.wire.responses_events import ResponseEvents, response_shell, usage
from messages_api.wire.responses_input import NameTable, conversation_name, mapped_name, translate

# Captured from Codex CLI 0.169.0 (shared/fixtures), kept with the tests so they run anywhere.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "codex-0.169.0"
STREAM_EVENT = TypeAdapter(ResponseStreamEvent)
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def codex_requests(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def messages_of(body, earlier=()):
    return [message.model_dump(exclude_none=True) for message in translate(body, earlier).params.messages]


def user(*parts):
    return {"type": "message", "role": "user", "content": list(parts)}


def image_part(media_type, data):
    return {"type": "input_image", "image_url": f"data:{media_type};base64,{data}"}


def text(value):
    return {"type": "input_text", "text": value}


def call(call_id, name, arguments, **fields):
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": json.dumps(arguments), **fields}


def output(call_id, value):
    return {"type": "function_call_output", "call_id": call_id, "output": value}


def said(value):
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": value, "annotations": []}]}


def block(value):
    return {"type": "text", "text": value}


def tool_result(tool_use_id, *content):
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": list(content), "is_error": False}


# --- input items -> Anthropic messages -----------------------------------------------

ITEMS = [
    ("a string", "Hello?", [{"role": "user", "content": [block("Hello?")]}]),
    (
        "an easy message with string content",
        [{"role": "user", "content": "Hi"}],
        [{"role": "user", "content": [block("Hi")]}],
    ),
    (
        "an image as a data URL and as an http URL",
        [user(text("What is this?"), {"type": "input_image", "image_url": f"data:image/png;base64,{PIXEL}"},
              {"type": "input_image", "image_url": "https://example.com/cat.jpg", "detail": "auto"})],
        [{"role": "user", "content": [
            block("What is this?"),
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        ]}],
    ),
    (
        "a PDF as file_data",
        [user({"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="})],
        [{"role": "user", "content": [{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}}]}],
    ),
    (
        "an assistant's output_text and the next user turn",
        [user(text("Hi")), said("Hello."), user(text("Again"))],
        [{"role": "user", "content": [block("Hi")]}, {"role": "assistant", "content": [block("Hello.")]},
         {"role": "user", "content": [block("Again")]}],
    ),
    (
        "a call and its output: tool_use and tool_result with the call_id",
        [user(text("ls")), call("call_1", "exec_command", {"cmd": "ls"}), output("call_1", "a.txt")],
        [{"role": "user", "content": [block("ls")]},
         {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "exec_command", "input": {"cmd": "ls"}}]},
         {"role": "user", "content": [tool_result("call_1", block("a.txt"))]}],
    ),
    (
        "an answer's text and its calls are one assistant message, their outputs one user message",
        [user(text("go")), said("Let me look."), call("c1", "read", {"path": "a"}), call("c2", "read", {"path": "b"}),
         output("c1", "A"), output("c2", [{"type": "input_text", "text": "B"}])],
        [{"role": "user", "content": [block("go")]},
         {"role": "assistant", "content": [block("Let me look."),
                                           {"type": "tool_use", "id": "c1", "name": "read", "input": {"path": "a"}},
                                           {"type": "tool_use", "id": "c2", "name": "read", "input": {"path": "b"}}]},
         {"role": "user", "content": [tool_result("c1", block("A")), tool_result("c2", block("B"))]}],
    ),
    (
        "a namespaced call by its flat name; empty arguments are an empty input",
        [user(text("stop it")), call("c9", "close_agent", {"target": "a1"}, namespace="multi_agent_v1"),
         {"type": "function_call", "call_id": "c10", "name": "get_goal", "arguments": ""}],
        [{"role": "user", "content": [block("stop it")]},
         {"role": "assistant", "content": [
             {"type": "tool_use", "id": "c9", "name": "multi_agent_v1__close_agent", "input": {"target": "a1"}},
             {"type": "tool_use", "id": "c10", "name": "get_goal", "input": {}}]}],
    ),
    (
        "reasoning items are left out; an empty output is a result without content",
        [user(text("go")), {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"},
         call("c1", "exec_command", {"cmd": "true"}), output("c1", "")],
        [{"role": "user", "content": [block("go")]},
         {"role": "assistant", "content": [{"type": "tool_use", "id": "c1", "name": "exec_command", "input": {"cmd": "true"}}]},
         {"role": "user", "content": [tool_result("c1")]}],
    ),
    (
        "a developer message after the first turn stays in place as system context",
        [user(text("one")), said("1"), {"type": "message", "role": "developer", "content": "Now be terse."}, user(text("two"))],
        [{"role": "user", "content": [block("one")]}, {"role": "assistant", "content": [block("1")]},
         {"role": "system", "content": [block("Now be terse.")]}, {"role": "user", "content": [block("two")]}],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("items", "expected"), [case[1:] for case in ITEMS], ids=[case[0] for case in ITEMS])
def test_it_turns_input_items_into_anthropic_messages(items, expected):
    assert messages_of({"model": "gpt-5", "input": items}) == expected


def test_it_makes_instructions_and_leading_developer_messages_the_system_prompt():
    body = {
        "model": "gpt-5",
        "instructions": "Be brief.",
        "input": [
            {"type": "message", "role": "developer", "content": [text("You are Codex.")]},
            {"type": "message", "role": "system", "content": "Work in /tmp."},
            user(text("Hi")),
        ],
    }

    params = translate(body).params

    assert params.system_text == "Be brief.\nYou are Codex.\nWork in /tmp."
    assert [message.role for message in params.messages] == ["user"]


def test_it_puts_a_stored_responses_items_before_the_new_input():
    earlier = [user(text("My name is Ada.")), said("Hello Ada.")]

    messages = messages_of({"model": "gpt-5", "input": "What is my name?"}, earlier)

    assert messages == [
        {"role": "user", "content": [block("My name is Ada.")]},
        {"role": "assistant", "content": [block("Hello Ada.")]},
        {"role": "user", "content": [block("What is my name?")]},
    ]


def test_it_maps_the_request_parameters_to_the_engines():
    body = {
        "model": "gpt-5-codex",
        "input": "Hi",
        "stream": True,
        "max_output_tokens": 300,
        "reasoning": {"effort": "high", "summary": "auto"},
        "tools": [{"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {}}}],
        "tool_choice": {"type": "function", "name": "exec_command"},
        "parallel_tool_calls": False,
        "store": False, "include": ["reasoning.encrypted_content"], "prompt_cache_key": "k", "text": {"verbosity": "low"},
        "metadata": {"a": "b"}, "user": "u", "temperature": 1.5, "top_p": 0.5,
    }  # fmt: skip

    params = translate(body).params

    assert (params.model, params.stream, params.max_tokens) == ("gpt-5-codex", True, 300)
    assert params.output_config.effort == "high"
    choice = params.tool_choice
    assert (choice.type, choice.name, choice.disable_parallel_tool_use) == ("tool", "exec_command", True)
    assert (params.temperature, params.top_p, params.metadata) == (None, None, None)  # accepted, not the CLI's


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        (None, None, None),
        ("auto", True, None),
        ("auto", False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", None, {"type": "any", "disable_parallel_tool_use": False}),
        ("none", None, {"type": "none", "disable_parallel_tool_use": False}),
        ({"type": "function", "name": "close_agent", "namespace": "team"}, None,
         {"type": "tool", "name": "team__close_agent", "disable_parallel_tool_use": False}),
        ({"type": "allowed_tools", "mode": "auto", "tools": []}, None, None),
    ],
)  # fmt: skip
def test_it_maps_tool_choice(choice, parallel, expected):
    body = {"model": "gpt-5", "input": "Hi", "tool_choice": choice, "parallel_tool_calls": parallel}
    body["tools"] = [{"type": "namespace", "name": "team", "description": "", "tools": [{"type": "function", "name": "close_agent"}]}]

    params = translate({key: value for key, value in body.items() if value is not None}).params

    assert (params.tool_choice and params.tool_choice.model_dump(exclude_none=True)) == expected


@pytest.mark.parametrize(("given", "effort"), [("minimal", "low"), ("none", "low"), ("medium", "medium"), ("xhigh", "xhigh")])
def test_it_maps_reasoning_effort_to_the_clis(given, effort):
    assert translate({"model": "gpt-5", "input": "Hi", "reasoning": {"effort": given}}).params.output_config.effort == effort


# --- Codex CLI's real requests ---------------------------------------------------------

CODEX_TOOLS = [
    "exec_command", "write_stdin", "request_user_input", "view_image",
    "multi_agent_v1__close_agent", "multi_agent_v1__resume_agent", "multi_agent_v1__send_input",
    "multi_agent_v1__spawn_agent", "multi_agent_v1__wait_agent",
    "get_goal", "create_goal", "update_goal",
]  # fmt: skip


def developer_texts(body):
    return [part["text"] for item in body["input"] if item.get("role") == "developer" for part in item["content"]]


def opening(body):
    """The first user turn Codex sends: its environment context, then the prompt."""
    return [part["text"] for item in body["input"][2:4] for part in item["content"]]


@pytest.mark.parametrize("name", ["text_only", "tool_round", "resume"])
def test_it_translates_codexs_first_request(name):
    [first, _] = codex_requests(name)
    body = first["body"]

    translated = translate(body)
    params = translated.params

    assert params.system_text == "\n".join(developer_texts(body))
    assert params.system_text.startswith("You are a coding agent running in the Codex CLI")
    assert [(m.role, [b.text for b in m.content]) for m in params.messages] == [("user", opening(body))]
    assert [tool.name for tool in params.tools] == CODEX_TOOLS  # the hosted web_search left out
    assert translated.names.client_call("multi_agent_v1__spawn_agent") == {"namespace": "multi_agent_v1", "name": "spawn_agent"}
    assert translated.names.client_call("exec_command") == {"name": "exec_command"}
    spawn = next(tool for tool in params.tools if tool.name == "multi_agent_v1__spawn_agent")
    assert spawn.input_schema == body["tools"][4]["tools"][3]["parameters"]
    assert spawn.description.endswith("(One of the multi_agent_v1 tools: Tools for spawning and managing sub-agents.)")
    assert (params.stream, params.max_tokens, params.tool_choice, params.output_config) == (True, None, None, None)
    assert conversation_name(first["headers"], body) == first["headers"]["session-id"]


def test_it_translates_codexs_tool_round_with_the_call_id_as_the_tool_use_id():
    [_, second] = codex_requests("tool_round")

    messages = translate(second["body"]).params.messages

    assert [message.role for message in messages] == ["user", "assistant", "user"]
    [tool_use] = messages[1].content
    assert (tool_use.type, tool_use.id, tool_use.name, tool_use.input) == (
        "tool_use", "call_0", "exec_command", {"cmd": "echo codex-marker > marker.txt && cat marker.txt"})  # fmt: skip
    [result] = messages[2].content
    assert (result.type, result.tool_use_id, result.is_error) == ("tool_result", "call_0", False)
    assert result.content == [block(second["body"]["input"][5]["output"])]


def test_it_translates_codexs_unsupported_call_and_its_output():
    [_, second] = codex_requests("text_only")

    messages = translate(second["body"]).params.messages

    assert [(block.id, block.name) for block in messages[1].content] == [("call_0", "shell")]
    assert messages[2].content[0].content == [block("unsupported call: shell")]


def test_it_translates_codexs_resumed_session_with_the_earlier_answer():
    [first, second] = codex_requests("resume")

    params = translate(second["body"]).params

    assert [(m.role, [b.text for b in m.content]) for m in params.messages] == [
        ("user", opening(second["body"])),
        ("assistant", ["first answer"]),
        ("user", ["SECOND-PROMPT"]),
    ]
    # The same conversation both times: the same name, the same system prompt (its scope).
    assert conversation_name(second["headers"], second["body"]) == conversation_name(first["headers"], first["body"])
    assert params.system_text == translate(first["body"]).params.system_text


@pytest.mark.parametrize(
    ("headers", "body", "name"),
    [
        ({"session-id": "s1", "thread-id": "t1"}, {"prompt_cache_key": "k1"}, "s1"),
        ({"session_id": "s2"}, {"prompt_cache_key": "k2"}, "k2"),  # the server drops underscored headers
        ({"thread-id": "t3"}, {"prompt_cache_key": "k3"}, "t3"),
        ({"x-codex-turn-metadata": json.dumps({"thread_id": "t4", "turn_id": "x"})}, {"prompt_cache_key": "k4"}, "t4"),
        ({"x-codex-turn-metadata": "not json"}, {"prompt_cache_key": "k5"}, "k5"),
        ({}, {}, ""),
    ],
)
def test_it_names_the_conversation_as_codex_does(headers, body, name):
    assert conversation_name(headers, body) == name


# --- namespaced tool names, there and back -------------------------------------------


def test_it_names_a_namespaced_function_within_the_apis_limits():
    assert mapped_name(None, "exec_command") == "exec_command"
    assert mapped_name("multi_agent_v1", "spawn_agent") == "multi_agent_v1__spawn_agent"
    long = mapped_name("n" * 40, "f" * 40)
    assert len(long) == 64 and long.startswith("n" * 40 + "__" + "f" * 13 + "_")
    assert long != mapped_name("n" * 40, "f" * 39 + "g")
    odd = mapped_name("mcp.server", "tool")
    assert odd.startswith("mcp_server__tool_") and len(odd) == len("mcp_server__tool_") + 8


def test_it_gives_a_namespaced_call_back_as_namespace_and_name():
    body = {
        "model": "gpt-5", "input": "Hi",
        "tools": [{"type": "namespace", "name": "n" * 40, "description": "", "tools": [{"type": "function", "name": "f" * 40}]}],
    }  # fmt: skip

    translated = translate(body)

    [tool] = translated.params.tools
    assert translated.names.client_call(tool.name) == {"namespace": "n" * 40, "name": "f" * 40}


# --- the engine's events -> Responses events --------------------------------------------


def anthropic_start(input_tokens=10, cache_read=0):
    usage = {"input_tokens": input_tokens, "output_tokens": 1, "cache_read_input_tokens": cache_read, "cache_creation_input_tokens": 0}
    return {"type": "message_start", "message": {"id": "msg_up", "usage": usage}}


def text_block(index, *chunks):
    yield {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
    for chunk in chunks:
        yield {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": chunk}}
    yield {"type": "content_block_stop", "index": index}


def tool_block(index, tool_id, name, *parts):
    yield {"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}}}
    for part in parts:
        yield {"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": part}}
    yield {"type": "content_block_stop", "index": index}


def finish(stop_reason, output_tokens=5):
    return [
        {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {"output_tokens": output_tokens}},
        {"type": "message_stop"},
    ]


def play(anthropic_events, names=NameTable(), **body):
    events = ResponseEvents(response_shell({"model": "gpt-5", **body}, response_id="resp_1", created_at=1700000000), names)
    out = events.start()
    for event in anthropic_events:
        out += events.feed(event)
    return events, out


def summary(event):
    """An event without the parts that differ run to run (item ids) or are long (responses)."""
    kept = {key: value for key, value in event.items() if key not in ("response", "item_id", "item")}
    if "item" in event:
        kept["item"] = {key: value for key, value in event["item"].items() if key != "id"}
    if "response" in event:
        kept["status"] = event["response"]["status"]
    return kept


def test_it_streams_a_text_answer_as_responses_events_with_sequence_numbers():
    events, out = play([anthropic_start(), *text_block(0, "Hello", " there."), *finish("end_turn")])

    message = {"type": "message", "status": "in_progress", "role": "assistant", "content": []}
    done = {**message, "status": "completed", "content": [{"type": "output_text", "text": "Hello there.", "annotations": [], "logprobs": []}]}
    empty_part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    assert [summary(event) for event in out] == [
        {"type": "response.created", "sequence_number": 0, "status": "in_progress"},
        {"type": "response.in_progress", "sequence_number": 1, "status": "in_progress"},
        {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0, "item": message},
        {"type": "response.content_part.added", "sequence_number": 3, "output_index": 0, "content_index": 0, "part": empty_part},
        {"type": "response.output_text.delta", "sequence_number": 4, "output_index": 0, "content_index": 0, "delta": "Hello", "logprobs": []},
        {"type": "response.output_text.delta", "sequence_number": 5, "output_index": 0, "content_index": 0, "delta": " there.", "logprobs": []},
        {"type": "response.output_text.done", "sequence_number": 6, "output_index": 0, "content_index": 0, "text": "Hello there.", "logprobs": []},
        {"type": "response.content_part.done", "sequence_number": 7, "output_index": 0, "content_index": 0, "part": done["content"][0]},
        {"type": "response.output_item.done", "sequence_number": 8, "output_index": 0, "item": done},
        {"type": "response.completed", "sequence_number": 9, "status": "completed"},
    ]  # fmt: skip
    item_ids = {event["item_id"] for event in out if "item_id" in event} | {event["item"]["id"] for event in out if "item" in event}
    assert len(item_ids) == 1 and item_ids.pop().startswith("msg_")
    assert out[0]["response"]["output"] == [] and out[0]["response"]["id"] == "resp_1"
    final = out[-1]["response"]
    assert final["output"] == [{**done, "id": final["output"][0]["id"]}]
    assert final["usage"] == usage({"input_tokens": 10, "output_tokens": 5})
    assert events.response == final
    for event in out:
        STREAM_EVENT.validate_python(event)  # the openai client's own types, strictly
    Response.model_validate(final)


def test_it_streams_a_function_call_with_the_tool_use_id_as_call_id():
    names = NameTable({"multi_agent_v1__close_agent": ("multi_agent_v1", "close_agent")})
    anthropic_events = [
        anthropic_start(), *text_block(0, "Closing."), *tool_block(1, "toolu_1", "multi_agent_v1__close_agent", '{"target"', ': "a1"}'),
        *tool_block(2, "toolu_2", "get_goal"), *finish("tool_use"),
    ]  # fmt: skip

    _, out = play(anthropic_events, names)

    assert [summary(event) for event in out[8:]] == [
        {"type": "response.output_item.added", "sequence_number": 8, "output_index": 1, "item": {
            "type": "function_call", "status": "in_progress", "call_id": "toolu_1", "namespace": "multi_agent_v1",
            "name": "close_agent", "arguments": ""}},
        {"type": "response.function_call_arguments.delta", "sequence_number": 9, "output_index": 1, "delta": '{"target"'},
        {"type": "response.function_call_arguments.delta", "sequence_number": 10, "output_index": 1, "delta": ': "a1"}'},
        {"type": "response.function_call_arguments.done", "sequence_number": 11, "output_index": 1, "arguments": '{"target": "a1"}'},
        {"type": "response.output_item.done", "sequence_number": 12, "output_index": 1, "item": {
            "type": "function_call", "status": "completed", "call_id": "toolu_1", "namespace": "multi_agent_v1",
            "name": "close_agent", "arguments": '{"target": "a1"}'}},
        {"type": "response.output_item.added", "sequence_number": 13, "output_index": 2, "item": {
            "type": "function_call", "status": "in_progress", "call_id": "toolu_2", "name": "get_goal", "arguments": ""}},
        {"type": "response.function_call_arguments.delta", "sequence_number": 14, "output_index": 2, "delta": "{}"},
        {"type": "response.function_call_arguments.done", "sequence_number": 15, "output_index": 2, "arguments": "{}"},
        {"type": "response.output_item.done", "sequence_number": 16, "output_index": 2, "item": {
            "type": "function_call", "status": "completed", "call_id": "toolu_2", "name": "get_goal", "arguments": "{}"}},
        {"type": "response.completed", "sequence_number": 17, "status": "completed"},
    ]  # fmt: skip
    assert [item["id"][:3] for item in out[-1]["response"]["output"]] == ["msg", "fc_", "fc_"]
    for event in out:
        STREAM_EVENT.validate_python(event)


def test_it_ends_an_answer_cut_at_max_tokens_as_incomplete():
    _, out = play([anthropic_start(), *text_block(0, "Half"), *finish("max_tokens")], max_output_tokens=5)

    final = out[-1]
    assert (final["type"], final["response"]["status"]) == ("response.incomplete", "incomplete")
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["response"]["max_output_tokens"] == 5
    STREAM_EVENT.validate_python(final)


def test_it_counts_cached_tokens_in_the_input_as_openai_does():
    anthropic = {"input_tokens": 7, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20, "output_tokens": 9}

    assert usage(anthropic) == {
        "input_tokens": 127,
        "input_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 20},
        "output_tokens": 9,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 136,
    }


def test_it_ends_a_failed_answer_with_response_failed():
    events, out = play([anthropic_start(), *text_block(0, "Part")])

    failed = events.fail(ApiError(429, "rate_limit_error", "Claude usage limit reached; wait and retry"))

    assert [event["type"] for event in failed] == ["response.failed"]
    response = failed[0]["response"]
    assert (failed[0]["sequence_number"], response["status"]) == (len(out), "failed")
    assert response["error"] == {"code": "rate_limit_exceeded", "message": "Claude usage limit reached; wait and retry"}
    assert [item["content"][0]["text"] for item in response["output"]] == ["Part"]
    STREAM_EVENT.validate_python(failed[0])
    assert events.feed({"type": "message_stop"}) == []  # one ending only


def test_it_fails_in_place_of_an_ending_not_sent_yet():
    events, out = play([anthropic_start(), *text_block(0, "Done."), *finish("end_turn")])

    [failed] = events.fail(ApiError(502, "api_error", "Claude Code exited unexpectedly (exit code 1)"))

    assert (out[-1]["type"], failed["type"]) == ("response.completed", "response.failed")
    assert failed["sequence_number"] == out[-1]["sequence_number"]
    assert failed["response"]["error"]["code"] == "server_error"


# --- 400s naming the field ----------------------------------------------------------------


BAD_BODIES = [
    ({"input": "Hi"}, "model", "model: expected a model name (a string of 1 to 256 characters)"),
    ({"model": "gpt-5"}, "input", "input: is required"),
    ({"model": "gpt-5", "input": 3}, "input", "input: expected a string or an array of input items, got an integer"),
    ({"model": "gpt-5", "input": []}, "input", "input: holds no message to answer"),
    ({"model": "gpt-5", "input": [{"role": "robot", "content": "Hi"}]}, "input[0].role",
     "input[0].role: expected one of user, assistant, system, developer, got 'robot'"),
    ({"model": "gpt-5", "input": [user({"type": "input_audio", "data": "x"})]}, "input[0].content[0].type",
     "input[0].content[0].type: expected one of input_text, output_text, refusal, input_image, input_file, got 'input_audio'"),
    ({"model": "gpt-5", "input": [user({"type": "input_text", "text": 5})]}, "input[0].content[0].text",
     "input[0].content[0].text: expected a string, got an integer"),
    ({"model": "gpt-5", "input": [user({"type": "input_image", "image_url": "file:///x.png"})]}, "input[0].content[0].image_url",
     "input[0].content[0].image_url: expected an http(s) URL or a base64 data URL (data:image/png;base64,…)"),
    ({"model": "gpt-5", "input": [user({"type": "input_image", "file_id": "file_1"})]}, "input[0].content[0].file_id",
     "input[0].content[0].file_id: files are not supported; send the image as image_url (a data URL or an http URL)"),
    ({"model": "gpt-5", "input": [user(text("x")), {"type": "function_call", "name": "f", "arguments": "{}"}]},
     "input[1].call_id", "input[1].call_id: expected a non-empty string"),
    ({"model": "gpt-5", "input": [user(text("x")), call("c", "f", {}) | {"arguments": "{not json"}]},
     "input[1].arguments", "input[1].arguments: is not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    ({"model": "gpt-5", "input": [user(text("x")), call("c", "f", {}) | {"arguments": "[1]"}]},
     "input[1].arguments", "input[1].arguments: must be a JSON object"),
    ({"model": "gpt-5", "input": [user(text("x")), call("c", "f", {}) | {"arguments": '{"path": "\\ud800"}'}]},
     "input[1].arguments", "input[1].arguments: holds a lone UTF-16 surrogate, which is not valid text"),
    ({"model": "gpt-5", "input": "Hi", "tools": [{"type": "function", "name": "bad name"}]}, "tools[0].name",
     "tools[0].name: expected a string of 1 to 64 characters from a-z, A-Z, 0-9, _ and -"),
    ({"model": "gpt-5", "input": "Hi", "tools": [{"type": "namespace", "name": "n", "tools": {}}]}, "tools[0].tools",
     "tools[0].tools: expected an array of function tools, got an object"),
    ({"model": "gpt-5", "input": "Hi", "tools": [{"type": "function", "name": "f"}, {"type": "function", "name": "f"}]},
     "tools[1].name", "tools[1].name: two tools are named 'f'"),
    ({"model": "gpt-5", "input": "Hi", "tools": [{"type": "namespace", "name": "n", "tools": [{"type": "function", "name": "f"}] * 2}]},
     "tools[0].tools[1].name", "tools[0].tools[1].name: two tools are named 'n__f'"),
    ({"model": "gpt-5", "input": "Hi", "tool_choice": "required"}, "tool_choice", "tool_choice: asks for a tool call, but no tools are given"),
    ({"model": "gpt-5", "input": "Hi", "text": {"format": {"type": "json_schema", "name": "l", "schema": {"type": "array"}}}},
     "text.format.schema", "text.format.schema: the schema's root must be an object schema (type: object)"),
    ({"model": "gpt-5", "input": "Hi", "text": {"format": {"type": "yaml"}}}, "text.format.type",
     "text.format.type: expected one of text, json_object, json_schema, got 'yaml'"),
    ({"model": "gpt-5", "input": "Hi", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"items": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}}]},
     "tools[0].parameters", "tools[0].parameters: the schema is nested more than 64 levels deep; 64 is the maximum allowed depth"),
    ({"model": "gpt-5", "input": [user(image_part("text/html", "PGI+"))]}, "input[0].content[0].image_url",
     "input[0].content[0].image_url: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"),
    ({"model": "gpt-5", "input": [user(image_part("image/png", "R0lGODlhAQABAAAAACw="))]}, "input[0].content[0].image_url",
     "input[0].content[0].image_url: the image is labelled image/png but its bytes are image/gif"),
    ({"model": "gpt-5", "input": [user(text(" "))]}, "input[0].content[0].text",
     "input[0].content[0].text: text content blocks must contain non-whitespace text"),
    ({"model": "gpt-5", "input": "Hi", "tool_choice": {"type": "function", "name": "nope"}}, "tool_choice.name",
     "tool_choice.name: no function named 'nope' in tools"),
    ({"model": "gpt-5", "input": "Hi", "tool_choice": 7}, "tool_choice",
     "tool_choice: expected none, auto, required or an object with a type"),
    ({"model": "gpt-5", "input": "Hi", "reasoning": {"effort": "huge"}}, "reasoning.effort",
     "reasoning.effort: expected one of none, minimal, low, medium, high, xhigh, max, got 'huge'"),
    ({"model": "gpt-5", "input": "Hi", "stream": "yes"}, "stream", "stream: expected a boolean, got a string"),
    ({"model": "gpt-5", "input": "Hi", "max_output_tokens": 0}, "max_output_tokens",
     "max_output_tokens: expected an integer of at least 1, got 0"),
    ({"model": "gpt-5", "input": "Hi", "temperature": 3}, "temperature", "temperature: expected a number from 0 to 2, got 3"),
    ({"model": "gpt-5", "input": "Hi", "instructions": ["x"]}, "instructions", "instructions: expected a string, got an array"),
    ({"model": "gpt-5", "input": "Hi", "background": True}, "background",
     "background: background responses are not supported; leave it out or false"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "param", "message"), BAD_BODIES, ids=[case[1] for case in BAD_BODIES])
def test_it_refuses_a_bad_request_naming_the_field(body, param, message):
    with pytest.raises(ApiError) as raised:
        translate(body)

    error = raised.value
    assert (error.status, error.param, error.message) == (400, param, message)
    assert json.loads(error_response(error).content) == {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    }


SCALARS = st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=10)
PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["input_text", "output_text", "input_image", "input_file", "refusal", "x"]) | JSON_VALUES},
    optional={"text": st.text(max_size=10) | JSON_VALUES, "image_url": st.sampled_from(["data:image/png;base64,AA", "https://e/x.png", "x"]) | JSON_VALUES,
              "file_data": JSON_VALUES, "file_id": JSON_VALUES, "refusal": JSON_VALUES},
)  # fmt: skip
ITEMS_ = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "function_call", "function_call_output", "reasoning", "item_reference"]) | JSON_VALUES},
    optional={"role": st.sampled_from(["user", "assistant", "developer", "system", "tool"]) | JSON_VALUES,
              "content": st.text(max_size=10) | st.lists(PARTS, max_size=2) | JSON_VALUES, "call_id": st.text(max_size=6) | JSON_VALUES,
              "name": st.text(max_size=6) | JSON_VALUES, "namespace": st.text(max_size=6) | JSON_VALUES,
              "arguments": st.sampled_from(["{}", '{"a": 1}', "[]", "{"]) | JSON_VALUES, "output": st.text(max_size=6) | st.lists(PARTS, max_size=2) | JSON_VALUES},
)  # fmt: skip
TOOLS_ = st.fixed_dictionaries(
    {"type": st.sampled_from(["function", "namespace", "web_search", "custom"]) | JSON_VALUES},
    optional={"name": st.text(max_size=8) | JSON_VALUES, "description": JSON_VALUES, "parameters": JSON_VALUES,
              "tools": st.lists(st.fixed_dictionaries({"type": st.just("function"), "name": st.text(max_size=6)}), max_size=2) | JSON_VALUES},
)  # fmt: skip
BODIES = st.fixed_dictionaries(
    {},
    optional={"model": st.sampled_from(["gpt-5", ""]) | JSON_VALUES, "input": st.text(max_size=10) | st.lists(ITEMS_, max_size=4) | JSON_VALUES,
              "instructions": JSON_VALUES, "tools": st.lists(TOOLS_, max_size=2) | JSON_VALUES, "tool_choice": JSON_VALUES,
              "parallel_tool_calls": JSON_VALUES, "reasoning": JSON_VALUES, "max_output_tokens": JSON_VALUES, "stream": JSON_VALUES,
              "store": JSON_VALUES, "temperature": JSON_VALUES, "top_p": JSON_VALUES, "text": JSON_VALUES, "metadata": JSON_VALUES},
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(BODIES)
def test_it_answers_any_body_with_a_request_or_a_400_naming_a_field(body):
    try:
        translated = translate(body)
    except ApiError as error:
        assert error.status == 400
        assert json.loads(error_response(error).content)["error"]["type"] == "invalid_request_error"
        return
    assert translated.params.messages
