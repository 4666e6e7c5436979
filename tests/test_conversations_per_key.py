"""Conversations are scoped by API key: two people never share one, whatever session
header or opening they send, and a stored response continues only under its own key."""

import httpx

from sessions_admin.models import Conversation
from tests.helpers import message_body
from tests.upstream import replies

HEADER = "ses_shared_by_two_people"


def post(proxy, secret, path, body, headers=None):
    headers = {"authorization": f"Bearer {secret}", **(headers or {})}
    return httpx.post(f"{proxy.url}{path}", json=body, headers=headers, timeout=60)


def test_it_keeps_two_keys_apart_on_one_session_header(proxy, upstream, keys):
    upstream.default_reply = lambda: replies.text("Noted.")
    _, alice = keys("alice-laptop")
    _, bob = keys("bob-laptop")
    opening = [{"role": "user", "content": "My code word is plum."}]
    try:
        first = post(proxy, alice, "/v1/messages", message_body(stream=False, messages=opening), {"x-session-id": HEADER})
        # Bob sends Alice's header and an opening that claims her conversation.
        claimed = [*opening, {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "What was it?"}]
        second = post(proxy, bob, "/v1/messages", message_body(stream=False, messages=claimed), {"x-session-id": HEADER})

        assert (first.status_code, second.status_code) == (200, 200)
        rows = Conversation.objects.filter(key_kind="header", key=HEADER)
        assert rows.count() == 2
        assert len({row.scope for row in rows}) == 2
        assert len({row.claude_session_id for row in rows}) == 2
        assert first.headers["x-claude-session-id"] != second.headers["x-claude-session-id"]
    finally:
        Conversation.objects.filter(key_kind="header", key=HEADER).delete()


def test_it_continues_a_conversation_under_its_own_key(proxy, upstream, keys):
    upstream.default_reply = lambda: replies.text("Noted.")
    _, alice = keys("alice-desktop")
    opening = [{"role": "user", "content": "Count with me: one."}]
    header = {"x-session-id": "ses_alice_alone"}
    try:
        first = post(proxy, alice, "/v1/messages", message_body(stream=False, messages=opening), header)
        later = [*opening, {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "Two."}]
        second = post(proxy, alice, "/v1/messages", message_body(stream=False, messages=later), header)

        assert first.headers["x-claude-session-id"] == second.headers["x-claude-session-id"]
        assert Conversation.objects.filter(key="ses_alice_alone").count() == 1
        assert upstream.message_requests()[-1].history()[-1] == ("user", "Two.")
    finally:
        Conversation.objects.filter(key="ses_alice_alone").delete()


def test_it_finds_a_stored_response_only_under_the_key_that_stored_it(proxy, upstream, keys, stored_responses):
    upstream.default_reply = lambda: replies.text("Stored.")
    _, alice = keys("alice-phone")
    _, bob = keys("bob-phone")
    stored = post(proxy, alice, "/v1/responses", {"model": "claude-sonnet-4-5", "input": "Keep this private."})
    response_id = stored.json()["id"]
    asked = len(upstream.message_requests())

    by_bob = post(proxy, bob, "/v1/responses", {"model": "claude-sonnet-4-5", "input": "And?", "previous_response_id": response_id})
    by_alice = post(proxy, alice, "/v1/responses", {"model": "claude-sonnet-4-5", "input": "And?", "previous_response_id": response_id})

    assert by_bob.status_code == 400
    assert by_bob.json()["error"]["message"] == f"previous_response_id: Previous response with id '{response_id}' not found."
    assert by_bob.json()["error"]["param"] == "previous_response_id"
    assert by_alice.status_code == 200
    assert len(upstream.message_requests()) == asked + 1
    assert "Keep this private." in upstream.message_requests()[-1].user_texts()
