"""A conversation continued with turns the proxy did not answer (another model's answer, a
tool round run elsewhere) reaches the model with each turn in its own role, tool ids as
the client sent them — never flattened into one user message."""

import httpx
from django.contrib.auth.models import User
from django.test import Client

from sessions_admin.admin import _transcript_lines
from sessions_admin.models import Conversation
from tests.helpers import logged
from tests.test_client_tools import TOOLS
from tests.test_structured_history import _conversation
from tests.upstream import replies


def _post(proxy, session, messages, **fields):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages, "stream": False, **fields}
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def _text(text):
    return [{"type": "text", "text": text}]


def _first_turn(proxy, upstream, session):
    upstream.enqueue(replies.text("answer one"))
    _post(proxy, session, [{"role": "user", "content": "U1"}])
    upstream.reset()


def _no_tool_use_from_the_user(conversation):
    return not any(role == "user" and block["type"] == "tool_use" for role, blocks in conversation for block in blocks)


def test_it_sends_another_models_text_answer_as_an_assistant_turn(proxy, upstream):
    _first_turn(proxy, upstream, "elsewhere-text")
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "answer one"},
        {"role": "user", "content": "U2"},
        {"role": "assistant", "content": "an answer from another model"},
        {"role": "user", "content": "U3"},
    ]

    response = _post(proxy, "elsewhere-text", history)

    [sent] = upstream.message_requests()
    assert _conversation(sent) == [
        ("user", _text("U1")),
        ("assistant", _text("answer one")),
        ("user", _text("U2")),
        ("assistant", _text("an answer from another model")),
        ("user", _text("U3")),
    ]
    row = logged(response.headers["request-id"])
    assert (row.lineage, row.outcome) == ("elsewhere", "answered")
    session_id = response.headers["x-claude-session-id"]
    assert ("elsewhere", "an answer from another model") in list(_transcript_lines(session_id))
    assert ("assistant", "answer one") in list(_transcript_lines(session_id))


def test_it_sends_a_tool_round_run_elsewhere_with_its_ids(proxy, upstream):
    _first_turn(proxy, upstream, "elsewhere-tools")
    call = {"type": "tool_use", "id": "call_foreign_1", "name": "read", "input": {"path": "a.txt"}}
    result = {"type": "tool_result", "tool_use_id": "call_foreign_1", "content": "42"}
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "answer one"},
        {"role": "user", "content": "U2"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result]},
        {"role": "assistant", "content": "It says 42."},
        {"role": "user", "content": "U3"},
    ]

    _post(proxy, "elsewhere-tools", history, tools=TOOLS)

    [sent] = upstream.message_requests()
    conversation = _conversation(sent)
    assert [role for role, _ in conversation] == ["user", "assistant", "user", "assistant", "user", "assistant", "user"]
    assert conversation[3] == ("assistant", [{**call, "name": "mcp__client__read"}])
    assert conversation[4][0] == "user"
    [sent_result] = conversation[4][1]
    assert (sent_result["type"], sent_result["tool_use_id"]) == ("tool_result", "call_foreign_1")
    assert conversation[5:] == [("assistant", _text("It says 42.")), ("user", _text("U3"))]
    assert _no_tool_use_from_the_user(conversation)


def test_it_sends_two_foreign_turns_in_a_row_in_order(proxy, upstream):
    _first_turn(proxy, upstream, "elsewhere-two")
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "answer one"},
        {"role": "user", "content": "U2"},
        {"role": "assistant", "content": "A2 from another model"},
        {"role": "user", "content": "U3"},
        {"role": "assistant", "content": "A3 from another model"},
        {"role": "user", "content": "U4"},
    ]

    _post(proxy, "elsewhere-two", history)

    [sent] = upstream.message_requests()
    assert sent.history() == [
        ("user", "U1"), ("assistant", "answer one"), ("user", "U2"), ("assistant", "A2 from another model"),
        ("user", "U3"), ("assistant", "A3 from another model"), ("user", "U4"),
    ]  # fmt: skip


def test_it_leaves_another_models_thinking_out(proxy, upstream):
    _first_turn(proxy, upstream, "elsewhere-thinking")
    thought = {"type": "thinking", "thinking": "the other model's scratch work", "signature": "not-ours"}
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "answer one"},
        {"role": "user", "content": "U2"},
        {"role": "assistant", "content": [thought, {"type": "text", "text": "A2"}]},
        {"role": "user", "content": "U3"},
    ]

    _post(proxy, "elsewhere-thinking", history)

    [sent] = upstream.message_requests()
    assert _conversation(sent)[3] == ("assistant", _text("A2"))
    assert "the other model's scratch work" not in str(sent.body["messages"])


def test_it_sends_a_foreign_turn_after_a_paused_tool_turn(proxy, upstream):
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "a.txt"}, tool_id="toolu_paused"))
    first = _post(proxy, "elsewhere-paused", [{"role": "user", "content": "U1"}], tools=TOOLS).json()
    assert first["stop_reason"] == "tool_use"
    upstream.reset()
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_paused", "content": "42"}]},
        {"role": "assistant", "content": "The file says 42 (another model)."},
        {"role": "user", "content": "U3"},
    ]

    _post(proxy, "elsewhere-paused", history, tools=TOOLS)

    [sent] = upstream.message_requests()
    conversation = _conversation(sent)
    assert [role for role, _ in conversation] == ["user", "assistant", "user", "assistant", "user"]
    assert [block.get("id") for block in conversation[1][1] if block["type"] == "tool_use"] == ["toolu_paused"]
    assert [block["tool_use_id"] for block in conversation[2][1]] == ["toolu_paused"]
    assert conversation[3:] == [("assistant", _text("The file says 42 (another model).")), ("user", _text("U3"))]
    assert _no_tool_use_from_the_user(conversation)


def test_it_shows_turns_answered_elsewhere_on_the_conversation_page(proxy, upstream):
    _first_turn(proxy, upstream, "elsewhere-admin")
    history = [
        {"role": "user", "content": "U1"},
        {"role": "assistant", "content": "answer one"},
        {"role": "user", "content": "U2"},
        {"role": "assistant", "content": "said by another model"},
        {"role": "user", "content": "U3"},
    ]
    _post(proxy, "elsewhere-admin", history)
    conversation = Conversation.objects.get(key="elsewhere-admin")
    admin, _ = User.objects.get_or_create(username="elsewhere-admin", defaults={"is_staff": True, "is_superuser": True})
    browser = Client()
    browser.force_login(admin)

    page = browser.get(f"/admin/sessions_admin/conversation/{conversation.pk}/change/", HTTP_HOST="127.0.0.1")
    page = page.content.decode()

    assert '<p class="turn turn-elsewhere"><strong>Assistant (answered elsewhere)</strong>' in page
    assert conversation.last_lineage == "elsewhere"
    admin.delete()
