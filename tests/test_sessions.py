"""Conversations continue the right Claude session, and only when the history matches.

Each test asserts what reached the model at the fake upstream: the context Claude had.
"""

import json
import shutil
import threading
import time
from pathlib import Path

import httpx

from sessions_admin.models import Conversation, TranscriptEntry
from tests.helpers import assistant, logged, message_body, user
from tests.upstream import replies


def ask(proxy, messages, *, headers=None, system=None, stream=False):
    body = message_body(stream=stream)
    body["messages"] = messages
    if system is not None:
        body["system"] = system
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers=headers or {}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def _wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_it_continues_a_headed_conversation_sending_only_the_new_message(proxy, upstream):
    headers = {"x-session-id": "ses_continue_1"}
    upstream.enqueue(replies.text("Hello Ada."), replies.text("Your name is Ada."))

    first = ask(proxy, [user("My name is Ada.")], headers=headers)
    second = ask(proxy, [user("My name is Ada."), assistant("Hello Ada."), user("What is my name?")], headers=headers)

    assert second.json()["content"][0]["text"] == "Your name is Ada."
    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    turn_one, turn_two = upstream.message_requests()
    # The CLI replays turn 1 from its session; the proxy sent it only the new question.
    assert turn_two.history() == [("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "What is my name?")]
    assert turn_two.headers["X-Claude-Code-Session-Id"] == turn_one.headers["X-Claude-Code-Session-Id"]
    conversation = Conversation.objects.get(key="ses_continue_1")
    assert (conversation.key_kind, conversation.request_count, conversation.message_count) == ("header", 2, 3)
    assert conversation.last_lineage == "continuation"
    assert conversation.claude_session_id == first.headers["x-claude-session-id"]


def test_it_continues_a_streamed_conversation_too(proxy, upstream):
    headers = {"x-opencode-session": "ses_continue_stream"}
    upstream.enqueue(replies.text("One."), replies.text("Two."))

    first = ask(proxy, [user("Count with me.")], headers=headers, stream=True)
    second = ask(proxy, [user("Count with me."), assistant("One."), user("Next?")], headers=headers, stream=True)

    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    assert upstream.message_requests()[1].history() == [("user", "Count with me."), ("assistant", "One."), ("user", "Next?")]


def test_it_continues_after_a_server_restart(start_proxy, upstream):
    headers = {"x-session-id": "ses_restart_1"}
    upstream.enqueue(replies.text("Noted: blue."), replies.text("Blue."))
    first_server = start_proxy()
    first = ask(first_server, [user("Remember: blue.")], headers=headers)
    first_server.stop()

    second_server = start_proxy()
    second = ask(second_server, [user("Remember: blue."), assistant("Noted: blue."), user("Which colour?")], headers=headers)

    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    assert upstream.message_requests()[1].history() == [
        ("user", "Remember: blue."),
        ("assistant", "Noted: blue."),
        ("user", "Which colour?"),
    ]


def test_it_continues_from_the_database_when_the_cli_transcripts_are_gone(start_proxy, upstream, cli_env):
    headers = {"x-session-id": "ses_from_db_1"}
    upstream.enqueue(replies.text("Noted: seven."), replies.text("Seven."))
    first_server = start_proxy()
    first = ask(first_server, [user("Remember: seven.")], headers=headers)
    first_server.stop()
    projects = Path(cli_env["CLAUDE_CONFIG_DIR"]) / "projects"
    assert any(projects.rglob(f"{first.headers['x-claude-session-id']}.jsonl"))
    shutil.rmtree(projects)

    second_server = start_proxy()
    second = ask(second_server, [user("Remember: seven."), assistant("Noted: seven."), user("Which number?")], headers=headers)

    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    assert upstream.message_requests()[1].history() == [
        ("user", "Remember: seven."),
        ("assistant", "Noted: seven."),
        ("user", "Which number?"),
    ]


def test_it_keeps_conversations_with_the_same_opening_but_different_systems_apart(proxy, upstream):
    opening = [user("Let us start the project.")]

    first = ask(proxy, opening, system="You work on project Alpha.")
    second = ask(proxy, opening, system="You work on project Beta.")

    assert first.headers["x-claude-session-id"] != second.headers["x-claude-session-id"]
    alpha, beta = upstream.message_requests()
    assert "project Alpha" in alpha.system_text() and "project Beta" not in alpha.system_text()
    assert "project Beta" in beta.system_text() and "project Alpha" not in beta.system_text()


def test_it_never_finds_a_headed_conversation_by_fingerprint(proxy, upstream):
    opening = [user("Shared opening line.")]
    upstream.enqueue(replies.text("Headed answer."), replies.text("Other answer."), replies.text("Second answer."))
    headed = ask(proxy, opening, headers={"x-session-id": "ses_headed_only"})
    headerless = ask(proxy, opening)

    follow_up = ask(proxy, [*opening, assistant("Other answer."), user("And then?")])

    assert headerless.headers["x-claude-session-id"] != headed.headers["x-claude-session-id"]
    assert follow_up.headers["x-claude-session-id"] == headerless.headers["x-claude-session-id"]
    assert upstream.message_requests()[2].history() == [
        ("user", "Shared opening line."),
        ("assistant", "Other answer."),
        ("user", "And then?"),
    ]


# Captured from OpenCode 1.18.33 (shared/fixtures), kept with the tests so they run anywhere.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "opencode-1.18.33"


def _opencode_headers():
    captured = json.loads((FIXTURES / "captured_headers.json").read_text())
    names = {"x-session-affinity", "x-session-id", "user-agent"}
    return {name: value for name, value in captured[0]["headers"] if name.lower() in names}


def test_it_keeps_the_opencode_title_request_out_of_the_main_conversation(proxy, upstream):
    headers = _opencode_headers()
    title = json.loads((FIXTURES / "captured_request_title.json").read_text())
    main = json.loads((FIXTURES / "captured_request.json").read_text())
    upstream.enqueue(replies.text("Marker command"), replies.text("I will run it."), replies.text("Done."))

    title_response = httpx.post(f"{proxy.url}/v1/messages", json=title, headers=headers, timeout=60)
    main_response = httpx.post(f"{proxy.url}/v1/messages", json=main, headers=headers, timeout=60)
    turn_two = {**main, "messages": [*main["messages"], assistant("I will run it."), user("Thanks, what next?")]}
    next_response = httpx.post(f"{proxy.url}/v1/messages", json=turn_two, headers=headers, timeout=60)

    assert [r.status_code for r in (title_response, main_response, next_response)] == [200, 200, 200]
    main_session = main_response.headers["x-claude-session-id"]
    assert title_response.headers["x-claude-session-id"] != main_session
    assert next_response.headers["x-claude-session-id"] == main_session
    _, _, continued = upstream.message_requests()
    assert "title generator" not in continued.system_text()
    assert continued.history() == [
        ("user", '"run the marker command"'),
        ("assistant", "I will run it."),
        ("user", "Thanks, what next?"),
    ]
    assert Conversation.objects.filter(key=headers["x-session-id"]).count() == 2


def _two_turns(proxy, upstream, headers):
    upstream.enqueue(replies.text("A1"), replies.text("A2"))
    ask(proxy, [user("Q1")], headers=headers)
    return ask(proxy, [user("Q1"), assistant("A1"), user("Q2")], headers=headers)


def test_it_forgets_undone_turns(proxy, upstream):
    headers = {"x-session-id": "ses_undo_1"}
    before = _two_turns(proxy, upstream, headers)

    after = ask(proxy, [user("Q1"), assistant("A1"), user("Q2 instead")], headers=headers)

    assert after.headers["x-claude-session-id"] != before.headers["x-claude-session-id"]
    context = upstream.message_requests()[-1].history()
    assert context == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2 instead")]
    assert Conversation.objects.get(key="ses_undo_1").last_lineage == "undo"
    assert Conversation.objects.get(key="ses_undo_1").previous_session_id == before.headers["x-claude-session-id"]


def test_it_starts_over_when_the_client_edits_an_answer(proxy, upstream):
    headers = {"x-session-id": "ses_edit_1"}
    _two_turns(proxy, upstream, headers)

    ask(proxy, [user("Q1"), assistant("A1"), user("Q2"), assistant("A2 edited"), user("Q3")], headers=headers)

    context = upstream.message_requests()[-1].history()
    assert context == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", "A2 edited"), ("user", "Q3")]
    assert Conversation.objects.get(key="ses_edit_1").last_lineage == "edit"


def test_it_sends_a_seeded_history_with_no_empty_message(proxy, upstream):
    # The CLI's system turn after the first user message is made of what its transcript
    # keeps there: a seeded one has the date, as a live session's has it.
    ask(proxy, [user("Seeded Q1"), assistant("Seeded A1"), user("Seeded Q2")])

    sent = upstream.message_requests()[-1].body["messages"]
    assert [message["role"] for message in sent] == ["user", "system", "assistant", "user", "system"]
    assert sent[1]["content"] == f"Today's date is {time.strftime('%Y-%m-%d', time.gmtime())}."
    assert all(message["content"] for message in sent)


def test_it_shrinks_the_context_to_the_summary_after_compaction(proxy, upstream):
    headers = {"x-session-id": "ses_compact_1"}
    _two_turns(proxy, upstream, headers)

    ask(proxy, [user("Summary: we asked Q1 and Q2."), assistant("Understood."), user("Q3")], headers=headers)

    context = upstream.message_requests()[-1].history()
    assert context == [("user", "Summary: we asked Q1 and Q2."), ("assistant", "Understood."), ("user", "Q3")]
    assert all("Q1\n" not in text and text != "Q1" for _, text in context)
    assert Conversation.objects.get(key="ses_compact_1").last_lineage == "compaction"


def test_it_starts_fresh_with_the_whole_history_when_the_resume_is_refused(start_proxy, upstream, cli_env):
    headers = {"x-session-id": "ses_refused_1"}
    upstream.enqueue(replies.text("Noted: ten."), replies.text("Ten."))
    first_server = start_proxy()
    first = ask(first_server, [user("Remember: ten.")], headers=headers)
    first_server.stop()
    old_session = first.headers["x-claude-session-id"]
    TranscriptEntry.objects.filter(session_id=old_session).delete()
    shutil.rmtree(Path(cli_env["CLAUDE_CONFIG_DIR"]) / "projects")

    second = ask(start_proxy(), [user("Remember: ten."), assistant("Noted: ten."), user("Which number?")], headers=headers)

    assert second.json()["content"][0]["text"] == "Ten."
    new_session = second.headers["x-claude-session-id"]
    assert new_session != old_session
    assert upstream.message_requests()[-1].history() == [
        ("user", "Remember: ten."),
        ("assistant", "Noted: ten."),
        ("user", "Which number?"),
    ]
    conversation = Conversation.objects.get(key="ses_refused_1")
    assert (conversation.claude_session_id, conversation.previous_session_id) == (new_session, old_session)
    row = logged(second.headers["x-request-id"])
    assert (row.status, row.error_type, row.claude_session_id) == (200, "", new_session)


def test_it_lets_a_second_request_wait_for_the_first_then_continue_it(proxy, upstream):
    headers = {"x-session-id": "ses_wait_1"}
    upstream.enqueue(replies.text("A1"), replies.text("A2 slowly", chunks=4, delay=0.4), replies.text("A3"))
    ask(proxy, [user("Q1")], headers=headers)
    results = {}

    def second_turn():
        results["second"] = ask(proxy, [user("Q1"), assistant("A1"), user("Q2")], headers=headers)

    running = threading.Thread(target=second_turn)
    running.start()
    # The second turn is under way once its CLI calls the upstream; its answer takes 1.6 s more.
    _wait_until(lambda: len(upstream.message_requests()) == 2)
    third = ask(proxy, [user("Q1"), assistant("A1"), user("Q2"), assistant("A2 slowly"), user("Q3")], headers=headers)
    running.join()

    assert results["second"].json()["content"][0]["text"] == "A2 slowly"
    assert third.json()["content"][0]["text"] == "A3"
    assert third.headers["x-claude-session-id"] == results["second"].headers["x-claude-session-id"]
    assert upstream.message_requests()[-1].history() == [
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "Q2"),
        ("assistant", "A2 slowly"),
        ("user", "Q3"),
    ]


def test_it_starts_a_fresh_session_once_the_conversation_has_expired(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_SESSION_TTL="1s")
    headers = {"x-session-id": "ses_expired_1"}
    upstream.enqueue(replies.text("A1"), replies.text("A2"))
    first = ask(proxy, [user("Q1")], headers=headers)
    # The row the turn's end wrote expires a second later.
    answered = Conversation.objects.filter(key="ses_expired_1", request_count=1)
    _wait_until(lambda: answered.exists() and answered.get().is_expired)

    second = ask(proxy, [user("Q1"), assistant("A1"), user("Q2")], headers=headers)

    assert second.headers["x-claude-session-id"] != first.headers["x-claude-session-id"]
    assert upstream.message_requests()[-1].history() == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2")]
    assert Conversation.objects.get(key="ses_expired_1").last_lineage == "new"


def test_it_names_the_claude_session_on_an_error_response_too(proxy, upstream):
    upstream.enqueue(replies.error(429))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=False), timeout=60)

    assert response.status_code == 429
    [sent] = upstream.message_requests()
    assert response.headers["x-claude-session-id"] == sent.headers["X-Claude-Code-Session-Id"]
