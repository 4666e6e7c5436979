"""A NUL character in a request is answered and kept: SQLite keeps it, PostgreSQL (whose
text cannot hold it) keeps U+FFFD in its place, in what it writes and what it looks up."""

import httpx
from django.db import connection

from sessions_admin.models import Conversation, StoredResponse, TranscriptEntry
from tests.helpers import assistant, logged, message_body, user
from tests.upstream import replies

KEPT = "\ufffd" if connection.vendor == "postgresql" else "\x00"


def ask(proxy, messages, **fields):
    body = {**message_body(stream=False), "messages": messages, **fields}
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": "ses_nul"}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def test_it_continues_a_conversation_with_a_nul_from_its_stored_transcript(proxy, start_proxy, upstream):
    upstream.enqueue(replies.text("Noted."), replies.text("Still noted."))
    first = [user("a\x00b")]

    ask(proxy, first, system="Keep \x00 this")
    # A server of its own has no live CLI for the conversation: it resumes from the database.
    ask(start_proxy(), [*first, assistant("Noted."), user("And?")], system="Keep \x00 this")

    turn_one, turn_two = upstream.message_requests()
    assert turn_one.history() == [("user", "a\x00b")]
    assert turn_two.history() == [("user", f"a{KEPT}b"), ("assistant", "Noted."), ("user", "And?")]
    conversation = Conversation.objects.get(key="ses_nul")
    assert (conversation.title, conversation.request_count, conversation.last_lineage) == (f"a{KEPT}b", 2, "continuation")


def test_it_logs_a_path_with_a_nul(proxy):
    response = httpx.post(f"{proxy.url}/v1/messages%00x", json={}, timeout=30)

    assert response.status_code == 404
    assert logged(response.headers["x-request-id"]).endpoint == f"/v1/messages{KEPT}x"


def test_it_continues_a_stored_response_with_a_nul(proxy, upstream):
    upstream.enqueue(replies.text("Noted."), replies.text("Still noted."))
    first = httpx.post(f"{proxy.url}/v1/responses", json={"model": "gpt-5", "input": "c\x00d"}, timeout=60)
    second = httpx.post(
        f"{proxy.url}/v1/responses",
        json={"model": "gpt-5", "input": "And?", "previous_response_id": first.json()["id"]},
        timeout=60,
    )

    assert (first.status_code, second.status_code) == (200, 200), second.text
    stored = StoredResponse.objects.get(response_id=first.json()["id"])
    assert stored.input_items[0]["content"] == [{"type": "input_text", "text": f"c{KEPT}d"}]
    StoredResponse.objects.filter(response_id__in=[first.json()["id"], second.json()["id"]]).delete()


def test_it_finds_a_row_by_the_key_it_was_written_with():
    row = Conversation.objects.create(key="e\x00f", key_kind="header", scope="s", expires_at="2100-01-01T00:00Z")

    assert Conversation.objects.get(key="e\x00f").key == f"e{KEPT}f"
    row.delete()


def test_it_keeps_json_text_that_only_spells_a_nul_escape():
    entry = {"type": "user", "escaped": "\\u0000", "twice": "\\\\u0000", "nul": "\x00", "after": "\\\x00"}
    row = TranscriptEntry.objects.create(project_key="nul-test", session_id="s", entry=entry, written_ms=1)

    row.refresh_from_db()
    row.delete()
    assert row.entry == {"type": "user", "escaped": "\\u0000", "twice": "\\\\u0000", "nul": KEPT, "after": f"\\{KEPT}"}
