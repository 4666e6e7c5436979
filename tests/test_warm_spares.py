"""Warm spares: a new conversation starts on a CLI process started ahead with the same
options, a used spare is replaced, and idle processes stay within the memory budget."""

import json
import re
import time

import httpx
import psutil

from tests.helpers import message_body
from tests.upstream import replies

SPARE_STARTED = re.compile(r"claude process started: pid=(\d+) conversation=None")
ON_SPARE = re.compile(r"conversation (\d+) starts on warm spare pid=(\d+)")
WARMED_UP = re.compile(r"claude process warmed up: pid=(\d+)")


def _ask(proxy, text, session, system="You are terse."):
    body = message_body(text, stream=False, system=system)
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)
    assert response.status_code == 200, response.text
    return response


def _third_turn(proxy, second, session):
    """'Third', after the conversation "Second" and its answer `second` (a response)."""
    history = [
        {"role": "user", "content": "Second"},
        {"role": "assistant", "content": second.json()["content"]},
        {"role": "user", "content": "Third"},
    ]
    body = {**message_body(stream=False, system="You are terse."), "messages": history}
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)


def _wait_for(proxy, pattern, count, timeout=20):
    """The first `count` matches of `pattern` in the server's log, once there are that many."""
    deadline = time.monotonic() + timeout
    while len(found := pattern.findall(proxy.output())) < count:
        assert time.monotonic() < deadline, f"{pattern.pattern} seen {len(found)} times, not {count}"
        time.sleep(0.05)
    return found[:count]


def test_it_starts_a_new_conversation_on_a_spare_and_replaces_it(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "spare-a")
    [spare] = _wait_for(proxy, SPARE_STARTED, 1)

    _ask(proxy, "Second", "spare-b")

    [(_, used)] = _wait_for(proxy, ON_SPARE, 1)
    assert used == spare
    [_, replacement] = _wait_for(proxy, SPARE_STARTED, 2)
    assert replacement != spare
    children = {child.pid for child in psutil.Process(proxy.process.pid).children()}
    assert {int(spare), int(replacement)} <= children


def test_it_warms_a_spare_up_without_a_model_call_or_a_trace_in_the_conversation(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "warm-a")
    [spare] = _wait_for(proxy, WARMED_UP, 1)
    assert len(upstream.message_requests()) == 1  # the first conversation's own

    second = _ask(proxy, "Second", "warm-b")
    third = _third_turn(proxy, second, "warm-b")

    [(_, used)] = _wait_for(proxy, ON_SPARE, 1)
    assert used == spare
    assert third.status_code == 200
    assert [block["text"] for block in third.json()["content"]] == ["Hello from the fake upstream."]
    requests = upstream.message_requests()
    assert len(requests) == 3
    assert [request.history() for request in requests[1:]] == [
        [("user", "Second")],
        [("user", "Second"), ("assistant", "Hello from the fake upstream."), ("user", "Third")],
    ]
    assert not any("warm-up" in json.dumps(request.body) for request in requests)


def test_it_runs_a_client_tool_call_on_a_spare(start_proxy, upstream):
    read = {"name": "read", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")

    def post(messages, session):
        body = {**message_body(stream=False, tools=[read]), "messages": messages}
        response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    post([{"role": "user", "content": "First"}], "tools-a")
    [spare] = _wait_for(proxy, WARMED_UP, 1)
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "a.txt"}, tool_id="toolu_spare"), replies.text("It says hi."))
    question = {"role": "user", "content": "Read a.txt"}

    call = post([question], "tools-b")
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_spare", "content": "hi"}]}
    answer = post([question, {"role": "assistant", "content": call["content"]}, result], "tools-b")

    [(_, used)] = _wait_for(proxy, ON_SPARE, 1)
    assert used == spare
    assert [(block["type"], block.get("id")) for block in call["content"]] == [("text", None), ("tool_use", "toolu_spare")]
    assert answer["content"] == [{"type": "text", "text": "It says hi."}]
    assert len(upstream.message_requests()) == 3
    assert upstream.message_requests()[2].tool_results() == [("toolu_spare", "hi", False)]


def test_it_never_starts_a_conversation_on_a_spare_with_other_options(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "other-a", system="You are terse.")
    _wait_for(proxy, SPARE_STARTED, 1)

    _ask(proxy, "Second", "other-b", system="You are verbose.")

    assert ON_SPARE.findall(proxy.output()) == []




def test_it_closes_the_least_recently_used_idle_process_over_the_memory_budget(start_proxy, upstream):
    measuring = start_proxy(CLAUDE_PROXY_WARM_SPARES="0")
    _ask(measuring, "Measure", "budget-measure")
    [cli] = measuring.clis()
    one_cli_mb = cli.memory_info().rss // 2**20
    measuring.stop()
    # Room for one idle CLI, not for two.
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="0", CLAUDE_PROXY_LIVE_RSS_MB=str(int(one_cli_mb * 1.5)))

    _ask(proxy, "Older", "budget-old")
    _ask(proxy, "Newer", "budget-new")

    deadline = time.monotonic() + 10
    while len(proxy.clis()) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(proxy.clis()) == 1
    assert "over the memory budget" in proxy.output()
    assert "'budget-old'" in proxy.output().split("over the memory budget")[1].splitlines()[0]


def test_it_resumes_a_conversation_begun_on_a_spare_without_the_warm_up(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "resume-a")
    [spare] = _wait_for(proxy, WARMED_UP, 1)
    second = _ask(proxy, "Second", "resume-b")
    [(_, used)] = _wait_for(proxy, ON_SPARE, 1)
    [cli] = [child for child in proxy.clis() if child.pid == int(used)]
    cli.kill()  # the next turn must resume the spare's session from its transcript
    cli.wait(timeout=10)

    third = _third_turn(proxy, second, "resume-b")

    assert used == spare
    assert third.status_code == 200
    assert third.headers["x-claude-session-id"] == second.headers["x-claude-session-id"]
    resumed = upstream.message_requests()[-1]
    assert resumed.history() == [("user", "Second"), ("assistant", "Hello from the fake upstream."), ("user", "Third")]
    assert "warm-up" not in json.dumps(resumed.body)
