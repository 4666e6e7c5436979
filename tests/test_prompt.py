"""What the CLI is sent: the client's blocks as the API's own, the history as a
transcript, and the user messages after it as the prompt."""

from datetime import datetime, timezone

from messages_api.history import prompt_content, split, transcript
from messages_api.prompt import api_blocks, user_message
from messages_api.schemas import MessagesRequest

PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}
PDF = {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="}
CACHE = {"cache_control": {"type": "ephemeral"}}
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def messages(*items):
    return MessagesRequest.model_validate({"model": "claude-sonnet-4-5", "messages": list(items)}).messages


def user(content):
    return {"role": "user", "content": content}


def assistant(content):
    return {"role": "assistant", "content": content}


def tool_use(tool_id, name="read", tool_input=None):
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input or {"path": "a.txt"}}


def tool_result(tool_id, content, **fields):
    return {"type": "tool_result", "tool_use_id": tool_id, "content": content, **fields}


def test_it_sends_one_user_string_message_as_the_plain_string():
    assert prompt_content(messages(user("What is 2 + 2?"))) == "What is 2 + 2?"


def test_it_keeps_several_text_blocks_as_blocks():
    content = [{"type": "text", "text": "First."}, {"type": "text", "text": "Second."}]

    assert prompt_content(messages(user(content))) == content


def test_it_keeps_images_and_documents_in_place_without_cache_marks():
    content = [
        {"type": "text", "text": "Look:"},
        {"type": "image", "source": PNG, **CACHE},
        {"type": "document", "source": PDF, **CACHE},
    ]

    assert prompt_content(messages(user(content))) == [
        {"type": "text", "text": "Look:"},
        {"type": "image", "source": PNG},
        {"type": "document", "source": PDF},
    ]


def test_it_keeps_tool_results_as_blocks_with_their_ids_and_errors():
    [_, message] = messages(
        assistant([tool_use("toolu_1"), tool_use("toolu_2")]),
        user([tool_result("toolu_1", "file text", **CACHE), tool_result("toolu_2", [{"type": "image", "source": PNG, **CACHE}], is_error=True)]),
    )

    assert api_blocks(message) == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "file text"}], "is_error": False},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "image", "source": PNG}], "is_error": True},
    ]


def test_it_leaves_thinking_out_and_keeps_blocks_it_does_not_know():
    [message] = messages(assistant([{"type": "thinking", "thinking": "hmm", "signature": "s"}, {"type": "redacted_thinking", "data": "xyz"}]))

    assert api_blocks(message) == [{"type": "redacted_thinking", "data": "xyz"}]


def test_it_joins_the_user_messages_after_the_history_into_one_prompt():
    history, prompt = split(messages(user("One."), assistant("Two."), user("Three."), user([{"type": "image", "source": PNG}])))

    assert [m.role for m in history] == ["user", "assistant"]
    assert prompt_content(prompt) == [{"type": "text", "text": "Three."}, {"type": "image", "source": PNG}]


def test_it_has_no_history_before_the_first_assistant_message():
    history, prompt = split(messages(user("One."), user("Two.")))

    assert (history, [m.role for m in prompt]) == ([], ["user", "user"])


def test_it_leaves_a_final_assistant_message_out():
    history, prompt = split(messages(user("One."), assistant("Two."), user("Three."), assistant("Prefill")))

    assert [m.role for m in history] == ["user", "assistant"]
    assert prompt_content(prompt) == "Three."


def test_it_writes_the_history_as_a_chained_transcript():
    history, _ = split(
        messages(
            user("Read a.txt"),
            assistant([{"type": "text", "text": "Reading.", **CACHE}, tool_use("toolu_1")]),
            user([tool_result("toolu_1", "hello")]),
            assistant("It says hello."),
            user("Thanks."),
        )
    )

    entries = transcript(history, session_id="sess-1", cwd="/work", model="claude-sonnet-4-5", now=NOW)

    assert [entry["type"] for entry in entries] == ["user", "attachment", "assistant", "user", "assistant"]
    assert [entry["parentUuid"] for entry in entries] == [None] + [entry["uuid"] for entry in entries[:-1]]
    assert len({entry["uuid"] for entry in entries}) == 5
    assert {(e["sessionId"], e["cwd"], e["timestamp"], e["isSidechain"]) for e in entries} == {
        ("sess-1", "/work", "2026-11-25T12:00:00Z", False)
    }
    assert entries[0]["message"] == {"role": "user", "content": [{"type": "text", "text": "Read a.txt"}]}
    # The CLI's system turn after the first user message renders it; with nothing there it is empty.
    assert entries.pop(1)["attachment"] == {"type": "date", "date": "2026-11-25"}
    call = entries[1]["message"]
    assert (call["role"], call["type"], call["model"], call["stop_reason"]) == ("assistant", "message", "claude-sonnet-4-5", "tool_use")
    # The call by the name the CLI offers the client's tool under, as on a live session.
    assert call["content"] == [{"type": "text", "text": "Reading."}, tool_use("toolu_1", name="mcp__client__read")]
    assert entries[2]["message"]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "hello"}], "is_error": False}
    ]
    assert entries[3]["message"]["stop_reason"] == "end_turn"


def test_it_wraps_content_in_the_sdk_user_message_frame():
    assert user_message("Hello") == {
        "type": "user",
        "message": {"role": "user", "content": "Hello"},
        "parent_tool_use_id": None,
    }
