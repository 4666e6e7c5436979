"""A conversation's turn across instances on one database (the suite's: SQLite, or
PostgreSQL in CI's second pass), with real servers, the real CLI and the fake upstream:
an instance that comes back after its turn was taken over keeps nothing of it; a request
waiting for another instance's turn holds no slot meanwhile, and gives up at a deadline
with the API's error."""

import re
import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from sessions_admin.instances import ProxyInstance
from sessions_admin.lineage import conversation_key
from sessions_admin.models import Conversation
from tests.conftest import TEST_ROOT
from tests.helpers import logged, message_body
from tests.proxy_server import cli_test_env
from tests.several_instances import wait_until
from tests.upstream import replies

WAITING = re.compile(r"conversation (\d+) answers on another instance: waiting for its turn")


def ask(proxy, session, history, request_id=None, timeout=60):
    headers = {"x-session-id": session, "x-request-id": request_id or f"taken-{uuid.uuid4().hex[:12]}"}
    body = {**message_body(stream=False), "messages": history}
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers=headers, timeout=timeout)


def in_background(call):
    """Run `call` in a thread; its result (or exception) in the returned list once joined."""
    result = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    return thread, result


def history(*turns):
    """Questions and answers, in order, as the client sends them; a question last."""
    return [{"role": "user" if n % 2 == 0 else "assistant", "content": text} for n, text in enumerate(turns)]


def test_it_keeps_one_answer_when_an_instance_whose_turn_was_taken_over_comes_back(start_proxy, upstream_server, cli_env, upstream):
    # A beats at its start and then not for ten minutes, as an instance whose heartbeat
    # stalls would; B beats every second and finds A's missing after two.
    servers = {}
    for name, beat in (("a", "600"), ("b", "1")):
        env = cli_test_env(upstream_server.url, TEST_ROOT / f"taken-over-{name}-home")
        env["CLAUDE_PROXY_WORKDIR"] = cli_env["CLAUDE_PROXY_WORKDIR"]
        servers[name] = start_proxy(
            **env, CLAUDE_PROXY_INSTANCE=f"taken-over-{name}", CLAUDE_PROXY_HEARTBEAT_SECONDS=beat,
            CLAUDE_PROXY_LEASE_SECONDS=str(2 * float(beat)),
        )  # fmt: skip
    a, b = servers["a"], servers["b"]
    session = f"taken-over-{uuid.uuid4().hex[:8]}"
    assert ask(a, session, history("Question 1")).status_code == 200
    first = Conversation.objects.get(key=session)
    a_gate, b_gate = threading.Event(), threading.Event()
    upstream.enqueue(replies.text("A's late answer.", gate=a_gate), replies.text("B's answer.", gate=b_gate))
    calls = len(upstream.message_requests())
    retry = history("Question 1", "Hello from the fake upstream.", "Question 2")

    late, late_response = in_background(lambda: ask(a, session, retry, "taken-over-late"))
    wait_until(lambda: len(upstream.message_requests()) == calls + 1, what="A's turn at the upstream")
    taking, taking_response = in_background(lambda: ask(b, session, retry, "taken-over-new"))
    wait_until(lambda: len(upstream.message_requests()) == calls + 2, what="B's take-over at the upstream")
    taken = Conversation.objects.get(key=session)
    a_gate.set()
    late.join()

    # A's CLI answered, but its commit was refused: the row is B's, untouched.
    assert late_response[0].status_code == 200
    assert logged("taken-over-late").outcome == "turn_lost"
    row = Conversation.objects.get(key=session)
    assert (taken.turn_holder, row.turn_holder) == ("taken-over-b", "taken-over-b")
    assert row.turn_epoch == taken.turn_epoch == first.turn_epoch + 2
    assert (row.version, row.request_count) == (first.version, 1)

    b_gate.set()
    taking.join()
    assert taking_response[0].json()["content"][0]["text"] == "B's answer."
    new = logged("taken-over-new")
    assert (new.outcome, new.status) == ("answered", 200)
    assert new.queue_wait_ms > 0
    row = Conversation.objects.get(key=session)
    assert (row.version, row.request_count, row.turn_holder, row.live_on) == (first.version + 1, 2, "", "taken-over-b")

    assert ask(b, session, history("Question 1", "Hello from the fake upstream.", "Question 2", "B's answer.", "Question 3")).status_code == 200
    assert [text for _, text in upstream.message_requests()[-1].history()] == [
        "Question 1", "Hello from the fake upstream.", "Question 2", "B's answer.", "Question 3",
    ]  # fmt: skip
    assert Conversation.objects.get(key=session).version == first.version + 2


@pytest.fixture
def elsewhere():
    """An instance that answers the conversations it is given for as long as the test
    runs (its heartbeat an hour ahead), and that is gone afterwards."""
    name = f"elsewhere-{uuid.uuid4().hex[:8]}"
    ProxyInstance.objects.create(name=name, last_seen=timezone.now() + timedelta(hours=1))

    def hold(sessions):
        rows = []
        for session in sessions:
            kind, key, scope = conversation_key({"x-session-id": session}, [], "")
            rows.append(
                Conversation.objects.create(
                    key_kind=kind, key=key, scope=scope, expires_at=timezone.now() + timedelta(days=1),
                    turn_holder=name, turn_held_until=timezone.now() + timedelta(hours=1), turn_epoch=1,
                )  # fmt: skip
            )
        return rows

    yield hold
    ProxyInstance.objects.filter(name=name).delete()


def test_it_waits_for_turns_other_instances_answer_without_holding_a_slot(start_proxy, upstream, elsewhere):
    proxy = start_proxy(CLAUDE_PROXY_MAX_CONCURRENT="1")
    sessions = [f"waits-{uuid.uuid4().hex[:8]}-{n}" for n in range(10)]
    rows = elsewhere(sessions)
    waits_before = queue_waits(proxy)
    waiting = [in_background(lambda s=session: ask(proxy, s, history(f"For {s}"), f"req-{s}")) for session in sessions]
    wait_until(lambda: len(WAITING.findall(proxy.output())) == 10, what="ten waits for another instance")

    # The only slot is free: another conversation is answered meanwhile.
    other = ask(proxy, f"waits-other-{uuid.uuid4().hex[:8]}", history("Not waiting"), timeout=30)
    assert other.status_code == 200
    assert len(upstream.message_requests()) == 1

    Conversation.objects.filter(pk__in=[row.pk for row in rows]).update(turn_holder="", turn_held_until=None)
    for thread, _ in waiting:
        thread.join()
    assert [result[0].status_code for _, result in waiting] == [200] * 10
    assert len(upstream.message_requests()) == 11
    assert all(logged(f"req-{session}").queue_wait_ms > 0 for session in sessions)
    count, total = queue_waits(proxy)
    assert count == waits_before[0] + 11
    assert total > waits_before[1]


def test_it_gives_up_waiting_for_another_instance_at_its_deadline(start_proxy, upstream, elsewhere):
    proxy = start_proxy(CLAUDE_PROXY_REMOTE_TURN_WAIT="1s")
    session = f"deadline-{uuid.uuid4().hex[:8]}"
    (row,) = elsewhere([session])

    response = ask(proxy, session, history("Still busy?"), "deadline-request")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"]["type"] == "overloaded_error"
    assert "another instance" in response.json()["error"]["message"]
    assert logged("deadline-request").status == 503
    assert upstream.message_requests() == []
    assert Conversation.objects.get(pk=row.pk).turn_holder == row.turn_holder


def queue_waits(proxy):
    """(count, sum) of the proxy's queue-wait histogram on /metrics."""
    text = httpx.get(f"{proxy.url}/metrics", timeout=10).text
    count = re.search(r"^claude_proxy_queue_wait_seconds_count (\S+)$", text, re.M)
    total = re.search(r"^claude_proxy_queue_wait_seconds_sum (\S+)$", text, re.M)
    return float(count.group(1)) if count else 0.0, float(total.group(1)) if total else 0.0
