"""lineage.trace over histories with turns the proxy did not answer: a continuation adds
only user input; anything another model said makes a fresh session with the whole history."""

import pytest

from sessions_admin.lineage import Lineage, is_user_input, message_hash, reply_digest, trace
from tests.helpers import assistant, user

# The Claude session holds U1 and answered REPLY.
STORED = [user("U1")]
REPLY = "answer one"
STORED_HASHES = [message_hash(message) for message in STORED]
STORED_REPLY = reply_digest([{"type": "text", "text": REPLY}])
ECHO = assistant(REPLY)


def tool_use(tool_use_id, name="read"):
    return {"type": "tool_use", "id": tool_use_id, "name": name, "input": {"path": "a.txt"}}


def tool_result(tool_use_id, text="42"):
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": [{"type": "text", "text": text}]}


def message(role, *blocks):
    return {"role": role, "content": list(blocks)}


ELSEWHERE_AFTER_ECHO = Lineage("elsewhere", first_new=0, answered_elsewhere_from=2)

CASES = {
    "new user text": ([*STORED, ECHO, user("U2")], Lineage("continuation", first_new=2)),
    "user text and an image": (
        [*STORED, ECHO, message("user", {"type": "text", "text": "See"}, {"type": "image", "source": {}})],
        Lineage("continuation", first_new=2),
    ),
    "a foreign text turn": (
        [*STORED, ECHO, user("U2"), assistant("an answer from another model"), user("U3")],
        ELSEWHERE_AFTER_ECHO,
    ),
    "a foreign tool round": (
        [
            *STORED, ECHO, user("U2"),
            message("assistant", tool_use("call_foreign_1")),
            message("user", tool_result("call_foreign_1")),
            assistant("It says 42."),
            user("U3"),
        ],
        ELSEWHERE_AFTER_ECHO,
    ),
    "a foreign thinking block": (
        [
            *STORED, ECHO, user("U2"),
            message("assistant", {"type": "thinking", "thinking": "hmm", "signature": "other-model"}, {"type": "text", "text": "A2"}),
            user("U3"),
        ],
        ELSEWHERE_AFTER_ECHO,
    ),
    "two foreign turns in a row": (
        [*STORED, ECHO, user("U2"), assistant("A2 elsewhere"), assistant("A2b elsewhere"), user("U3")],
        ELSEWHERE_AFTER_ECHO,
    ),
    "results for calls the session never made": (
        [*STORED, ECHO, message("user", tool_result("call_never_made"))],
        ELSEWHERE_AFTER_ECHO,
    ),
    "a tool call inside a user message": (
        [*STORED, ECHO, message("user", tool_use("toolu_in_user"))],
        ELSEWHERE_AFTER_ECHO,
    ),
}  # fmt: skip


@pytest.mark.parametrize("messages, expected", CASES.values(), ids=CASES.keys())
def test_it_continues_only_on_user_input(messages, expected):
    assert trace(STORED_HASHES, STORED_REPLY, messages) == expected


# After a client-tool turn the session paused on: Claude's answer called `read`.
PAUSED_ECHO = message("assistant", {"type": "text", "text": "Reading."}, tool_use("toolu_paused"))
PAUSED_REPLY = reply_digest(PAUSED_ECHO["content"])


def test_it_continues_with_the_results_the_session_waits_on():
    messages = [*STORED, PAUSED_ECHO, message("user", tool_result("toolu_paused"))]

    assert trace(STORED_HASHES, PAUSED_REPLY, messages, waiting_on=["toolu_paused"]) == Lineage(
        "continuation", first_new=2
    )


def test_it_starts_fresh_when_a_foreign_turn_follows_a_paused_tool_turn():
    messages = [
        *STORED,
        PAUSED_ECHO,
        message("user", tool_result("toolu_paused")),
        assistant("The file says 42 (another model)."),
        user("U3"),
    ]

    assert trace(STORED_HASHES, PAUSED_REPLY, messages, waiting_on=["toolu_paused"]) == ELSEWHERE_AFTER_ECHO


def test_it_refuses_results_the_session_does_not_wait_on_as_user_input():
    assert is_user_input(message("user", tool_result("toolu_a")), waiting_on=["toolu_a"])
    assert not is_user_input(message("user", tool_result("toolu_b")), waiting_on=["toolu_a"])
    assert not is_user_input(assistant("hi"))
    assert is_user_input({"role": "system", "content": [{"type": "text", "text": "context"}]})


# The same rule through /v1/chat/completions: its messages become the same blocks.


def _as_chat_engine_messages(messages):
    """Chat Completions messages as the engine's message dicts (the wire's own translation)."""
    from messages_api.wire.openai_chat_request import translate

    params = translate({"model": "gpt-5", "messages": messages}).validated()
    return [message.model_dump() for message in params.messages]


def _chat_call(call_id):
    return {"id": call_id, "type": "function", "function": {"name": "read", "arguments": '{"path": "a.txt"}'}}


CHAT_FIRST = [{"role": "user", "content": "U1"}]
CHAT_HASHES = [message_hash(message) for message in _as_chat_engine_messages(CHAT_FIRST)]

CHAT_CASES = {
    "new user text": (
        [*CHAT_FIRST, {"role": "assistant", "content": REPLY}, {"role": "user", "content": "U2"}],
        Lineage("continuation", first_new=2),
    ),
    "a foreign text turn": (
        [
            *CHAT_FIRST, {"role": "assistant", "content": REPLY}, {"role": "user", "content": "U2"},
            {"role": "assistant", "content": "from another model"}, {"role": "user", "content": "U3"},
        ],
        ELSEWHERE_AFTER_ECHO,
    ),
    "a foreign tool round": (
        [
            *CHAT_FIRST, {"role": "assistant", "content": REPLY}, {"role": "user", "content": "U2"},
            {"role": "assistant", "content": None, "tool_calls": [_chat_call("call_foreign_1")]},
            {"role": "tool", "tool_call_id": "call_foreign_1", "content": "42"},
            {"role": "assistant", "content": "It says 42."}, {"role": "user", "content": "U3"},
        ],
        ELSEWHERE_AFTER_ECHO,
    ),
}  # fmt: skip


@pytest.mark.parametrize("messages, expected", CHAT_CASES.values(), ids=CHAT_CASES.keys())
def test_it_continues_only_on_user_input_through_chat_completions(messages, expected):
    assert trace(CHAT_HASHES, STORED_REPLY, _as_chat_engine_messages(messages)) == expected
