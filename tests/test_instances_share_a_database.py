"""Two instances on one database (the suite's: SQLite, or PostgreSQL in CI's second pass;
tests/test_several_instances.py adds Redis and nginx): a conversation that moves is
carried on, never forked, and never answered by two instances at once. Each instance has a home of its own,
so what it knows of another's turns comes from the database alone."""

import os
import signal
import threading

import httpx
import pytest

from sessions_admin.models import Conversation
from tests.conftest import TEST_ROOT
from tests.helpers import logged, message_body
from tests.proxy_server import cli_test_env
from tests.upstream import replies

READ = {"name": "read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}


@pytest.fixture
def two(start_proxy, upstream_server, cli_env):
    """Instances A and B, homes apart, one database, one configuration (the work dir)."""
    servers = []
    for name in ("a", "b"):
        env = cli_test_env(upstream_server.url, TEST_ROOT / f"instance-{name}-home")
        env["CLAUDE_PROXY_WORKDIR"] = cli_env["CLAUDE_PROXY_WORKDIR"]
        servers.append(start_proxy(**env, CLAUDE_PROXY_INSTANCE=f"instance-{name}"))
    return servers


def ask(proxy, session, history, **fields):
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        json={**message_body(stream=False), "messages": history, **fields},
        headers={"x-session-id": session},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response


def kill(proxy):
    """The instance dies with its CLIs, as its host would (its own process group)."""
    os.killpg(proxy.process.pid, signal.SIGKILL)
    proxy.process.wait()


def turns(n):
    """The client's history of n questions, each answered by the fake upstream's default."""
    history = []
    for number in range(1, n + 1):
        history.append({"role": "user", "content": f"Question {number}"})
        if number < n:
            history.append({"role": "assistant", "content": "Hello from the fake upstream."})
    return history


def sent(request):
    return [text for _, text in request.history()]


def test_it_carries_a_conversation_on_to_another_instance_with_its_whole_history(two, upstream):
    a, b = two
    ask(a, "moves", turns(1))

    ask(b, "moves", turns(2))

    assert sent(upstream.message_requests()[-1]) == [
        "Question 1", "Hello from the fake upstream.", "Question 2",
    ]  # fmt: skip
    row = Conversation.objects.get(key="moves")
    assert (row.version, row.request_count, row.live_on, row.turn_holder) == (2, 2, "instance-b", "")


def test_it_does_not_answer_from_a_cli_that_is_behind(two, upstream):
    a, b = two
    ask(a, "stale", turns(1))
    ask(b, "stale", turns(2))
    clis_of_a = {cli.pid for cli in a.clis()}

    third = ask(a, "stale", turns(3))

    assert third.json()["content"][0]["text"] == "Hello from the fake upstream."
    assert sent(upstream.message_requests()[-1]) == [
        "Question 1", "Hello from the fake upstream.",
        "Question 2", "Hello from the fake upstream.",
        "Question 3",
    ]  # fmt: skip
    assert not clis_of_a & {cli.pid for cli in a.clis()}  # its turn-1 CLI ended, a new one resumed
    assert Conversation.objects.get(key="stale").version == 3


def test_it_goes_on_after_the_instance_that_held_it_is_killed(two, upstream):
    a, b = two
    first = ask(a, "killed", turns(1))
    kill(a)

    ask(b, "killed", turns(2))

    assert sent(upstream.message_requests()[-1]) == ["Question 1", "Hello from the fake upstream.", "Question 2"]
    assert logged(first.headers["x-request-id"]).status == 200
    assert Conversation.objects.get(key="killed").request_count == 2


def test_it_resumes_a_paused_tool_call_on_another_instance_with_the_same_id(two, upstream):
    a, b = two
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_moved"))
    history = [{"role": "user", "content": "Read notes.txt"}]
    paused = ask(a, "paused-moves", history, tools=[READ])
    call = paused.json()["content"][-1]
    assert (call["type"], call["id"]) == ("tool_use", "toolu_moved")
    kill(a)
    calls = len(upstream.message_requests())
    upstream.enqueue(replies.text("The notes say hello."))

    history += [
        {"role": "assistant", "content": paused.json()["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_moved", "content": "hello"}]},
    ]
    answered = ask(b, "paused-moves", history, tools=[READ])

    assert answered.json()["content"][0]["text"] == "The notes say hello."
    assert len(upstream.message_requests()) == calls + 1
    assert upstream.message_requests()[-1].tool_results() == [("toolu_moved", "hello", False)]


def test_it_never_answers_one_conversation_on_two_instances_at_once(two, upstream):
    a, b = two
    ask(a, "at-once", turns(1))
    upstream.enqueue(replies.text("The slow answer.", chunks=4, delay=0.3), replies.text("The next answer."))
    history = turns(2)
    answers = {}

    def send(name, proxy):
        answers[name] = ask(proxy, "at-once", history)

    threads = [threading.Thread(target=send, args=(name, proxy)) for name, proxy in (("a", a), ("b", b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slow, following = upstream.message_requests()[-2:]
    # The slow answer takes 1.2 s: the other turn's call came after it, not beside it.
    assert following.received_at - slow.received_at >= 1.2
    assert sorted(answer.json()["content"][0]["text"] for answer in answers.values()) == ["The next answer.", "The slow answer."]
    row = Conversation.objects.get(key="at-once")
    assert (row.version, row.request_count, row.turn_holder) == (3, 3, "")
