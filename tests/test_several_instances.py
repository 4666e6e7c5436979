"""Several instances for real: PostgreSQL (the CI's second pass gives DATABASE_URL),
Redis and nginx from Debian with deploy/'s configuration, two `manage.py serve`, the real
CLI and the fake upstream, all on 127.0.0.1. A conversation sticks to one instance, moves
safely when it must, and is never answered twice at once."""

import os
import threading
import uuid

import httpx
import pytest

from sessions_admin.models import Conversation, RequestLog
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body, sse_events
from tests.several_instances import Cluster, Redis, wait_until
from tests.upstream import replies

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="instances share PostgreSQL: .ci/run's second pass (.ci/with-postgresql) runs this module",
)
READ = {"name": "read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}
ANSWER = "Hello from the fake upstream."


@pytest.fixture(scope="module")
def redis():
    server = Redis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(upstream_server, cli_env, redis):
    running = Cluster(upstream_server.url, cli_env, redis)
    yield running
    running.stop()


@pytest.fixture
def instances(cluster, upstream):
    """The cluster with both instances up (a test may have killed one)."""
    for name in ("a", "b"):
        cluster.revive(name)
    return cluster


def ask(url, history, session=None, stream=False, **fields):
    request_id = f"several-{uuid.uuid4().hex[:12]}"
    headers = {"x-request-id": request_id, **({"x-session-id": session} if session else {})}
    body = {**message_body(stream=stream), "messages": history, **fields}
    response = httpx.post(f"{url}/v1/messages", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response


def history_of(n):
    history = []
    for number in range(1, n + 1):
        history.append({"role": "user", "content": f"Question {number}"})
        if number < n:
            history.append({"role": "assistant", "content": ANSWER})
    return history


def sent(request):
    return [text for _, text in request.history()]


def test_it_keeps_every_turn_of_a_keyed_conversation_on_one_instance(instances, upstream):
    for conversation in range(6):
        served = {
            instances.answered_by(ask(instances.nginx.url, history_of(turn), f"sticky-{conversation}").headers["x-request-id"])
            for turn in (1, 2, 3)
        }
        assert len(served) == 1
        assert sent(upstream.message_requests()[-1])[-1] == "Question 3"


def test_it_spreads_new_conversations_without_a_key_and_still_continues_them(instances, upstream):
    served = set()
    for conversation in range(12):
        first = [{"role": "user", "content": f"Headerless {conversation}"}]
        served.add(instances.answered_by(ask(instances.nginx.url, first).headers["x-request-id"]))
    assert served == {"a", "b"}

    # Its second turn lands wherever the hash sends it; lineage over the shared database carries it on.
    history = [{"role": "user", "content": "Headerless 0"}, {"role": "assistant", "content": ANSWER}]
    ask(instances.nginx.url, [*history, {"role": "user", "content": "And then?"}])
    assert sent(upstream.message_requests()[-1]) == ["Headerless 0", ANSWER, "And then?"]


def test_it_carries_a_conversation_on_when_its_instance_is_killed(instances, upstream):
    first = ask(instances.nginx.url, history_of(1), "killed-holder")
    holder = instances.answered_by(first.headers["x-request-id"])
    instances.kill(holder)

    second = ask(instances.nginx.url, history_of(2), "killed-holder")

    assert instances.answered_by(second.headers["x-request-id"]) != holder
    assert sent(upstream.message_requests()[-1]) == ["Question 1", ANSWER, "Question 2"]
    assert logged(first.headers["x-request-id"]).status == logged(second.headers["x-request-id"]).status == 200
    row = Conversation.objects.get(key="killed-holder")
    assert (row.request_count, row.version) == (2, 2)


def test_it_never_answers_from_a_cli_that_is_behind(instances, upstream):
    a, b = instances["a"], instances["b"]
    ask(a.url, history_of(1), "behind")
    ask(b.url, history_of(2), "behind")  # forced onto b, as a changed ring would

    ask(a.url, history_of(3), "behind")

    assert sent(upstream.message_requests()[-1]) == ["Question 1", ANSWER, "Question 2", ANSWER, "Question 3"]
    assert Conversation.objects.get(key="behind").version == 3


def test_it_resumes_a_paused_tool_call_on_the_other_instance(instances, upstream):
    a, b = instances["a"], instances["b"]
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_across"))
    history = [{"role": "user", "content": "Read notes.txt"}]
    paused = ask(a.url, history, "paused-across", tools=[READ])
    assert paused.json()["content"][-1]["id"] == "toolu_across"
    instances.kill("a")
    calls = len(upstream.message_requests())
    upstream.enqueue(replies.text("The notes say hello."))

    history += [
        {"role": "assistant", "content": paused.json()["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_across", "content": "hello"}]},
    ]
    answered = ask(b.url, history, "paused-across", tools=[READ])

    assert answered.json()["content"][0]["text"] == "The notes say hello."
    assert len(upstream.message_requests()) == calls + 1
    assert upstream.message_requests()[-1].tool_results() == [("toolu_across", "hello", False)]


def test_it_answers_one_turn_at_a_time_across_instances(instances, upstream):
    a, b = instances["a"], instances["b"]
    ask(a.url, history_of(1), "both-at-once")
    upstream.enqueue(replies.text("The slow answer.", chunks=4, delay=0.3), replies.text("The next answer."))
    answers = []
    threads = [
        threading.Thread(target=lambda url=server.url: answers.append(ask(url, history_of(2), "both-at-once")))
        for server in (a, b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slow, following = upstream.message_requests()[-2:]
    assert following.received_at - slow.received_at >= 1.2  # after the slow one, not beside it
    assert sorted(answer.json()["content"][0]["text"] for answer in answers) == ["The next answer.", "The slow answer."]
    row = Conversation.objects.get(key="both-at-once")
    assert (row.version, row.request_count, row.turn_holder) == (3, 3, "")


@needs_chromium
def test_it_shows_both_instances_on_the_live_page_and_clears_across_them(instances, upstream, page):
    a, b = instances["a"], instances["b"]
    page.goto(f"{a.url}/admin/live/")
    page.wait_for_selector("#connection:has-text('Live')")
    upstream.enqueue(*[replies.text("A slow answer.", chunks=10, delay=0.3) for _ in range(2)])
    before_on_b = {cli.pid for cli in b.clis()}
    threads = [
        threading.Thread(target=ask, args=(server.url, [{"role": "user", "content": f"Live on {name}"}], f"live-{name}"))
        for name, server in (("a", a), ("b", b))
    ]
    for thread in threads:
        thread.start()

    page.wait_for_selector("#in-flight tbody tr:has-text('several-') >> nth=1", timeout=20000)
    shown = set(page.locator("#in-flight tbody tr td:nth-child(3)").all_inner_texts())
    assert shown == {"a", "b"}
    page.wait_for_selector("#processes tbody tr[data-instance=b]")
    shot(page, "several-instances-live")
    for thread in threads:
        thread.join()

    # The conversation's CLI lives on b; the admin's clear on a ends it there.
    wait_until(lambda: Conversation.objects.get(key="live-b").live_on == "b", what="b's heartbeat")
    clis_on_b = {cli.pid for cli in b.clis()} - before_on_b  # live-b's own
    assert len(clis_on_b) == 1
    page.goto(f"{a.url}/admin/sessions_admin/conversation/?q=live-b")
    page.locator("#result_list tbody tr", has_text="Live on b").locator("input.action-select").check()
    page.select_option("select[name=action]", "clear_selected")
    page.click("button[name=index]")
    assert "Cleared 1 conversation." in page.locator(".messagelist").inner_text()
    wait_until(lambda: not clis_on_b & {cli.pid for cli in b.clis()}, what="b's CLI to end")


def test_it_serves_50_concurrent_streams_over_10_conversations_without_losing_one(instances, upstream):
    results, request_ids = [], []

    def converse(conversation):
        history = []
        for turn in range(5):
            history.append({"role": "user", "content": f"Stream {conversation}.{turn}"})
            response = ask(instances.nginx.url, history, f"fifty-{conversation}", stream=True)
            events = sse_events(response.content)
            results.append((response.status_code, events[-1][0]))
            request_ids.append(response.headers["x-request-id"])
            history.append({"role": "assistant", "content": ANSWER})

    threads = [threading.Thread(target=converse, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [(200, "message_stop")] * 50
    rows = RequestLog.objects.filter(request_id__in=request_ids)
    wait_until(lambda: rows.count() == 50, what="the 50 log rows")
    assert set(rows.values_list("status", "outcome")) == {(200, "answered")}
    assert list(Conversation.objects.filter(key__startswith="fifty-").values_list("request_count", flat=True)) == [5] * 10


def test_it_spreads_a_burst_after_a_restart_by_the_hash(instances, upstream):
    """A recovered instance gets its share of the conversations again at once: nginx does
    not keep it marked down after a connection it refused (deploy/: max_fails=0)."""
    keys = [f"burst-{uuid.uuid4().hex[:8]}-{n}" for n in range(40)]
    first = {}

    def open_conversation(key):
        first[key] = instances.answered_by(ask(instances.nginx.url, history_of(1), key).headers["x-request-id"])

    run_together(open_conversation, keys)
    on_b = [key for key in keys if first[key] == "b"]
    assert on_b and len(on_b) < len(keys)
    instances.kill("b")
    moved = ask(instances.nginx.url, history_of(2), on_b[0])  # refused by b: nginx tries a
    assert instances.answered_by(moved.headers["x-request-id"]) == "a"
    instances.revive("b")
    burst = {}

    def stream(key):
        turn = 3 if key == on_b[0] else 2
        response = ask(instances.nginx.url, history_of(turn), key, stream=True)
        assert sse_events(response.content)[-1][0] == "message_stop"
        burst[key] = instances.answered_by(response.headers["x-request-id"])

    run_together(stream, keys)

    assert burst == first


def run_together(call, keys):
    threads = [threading.Thread(target=call, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
