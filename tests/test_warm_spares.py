"""Warm spares: a new conversation starts on a CLI process started ahead with the same
options, a used spare is replaced, and idle processes stay within the memory budget.

Which process is which is read from the live page's snapshot (runtimes.describe()):
its pid, state and conversation, not from the server's log text."""

import json

import httpx

from sessions_admin.models import Conversation
from tests.helpers import live_processes, message_body, staff_cookie, wait_for_processes
from tests.upstream import replies


def _spares(processes):
    return [process["pid"] for process in processes if process["state"] == "spare"]


def _wait_for_spare(proxy, besides=()):
    """The pid of the one spare shown (started, its CLI connected) that is not in `besides`."""
    staff = staff_cookie()
    processes = wait_for_processes(proxy, staff, lambda found: [pid for pid in _spares(found) if pid not in besides])
    [spare] = [pid for pid in _spares(processes) if pid not in besides]
    return spare


def _process_of(proxy, session):
    """The CLI process of the conversation under the x-session-id `session`, as shown."""
    conversation = Conversation.objects.get(key=session)
    [process] = [p for p in live_processes(proxy, staff_cookie()) if p["conversation_id"] == conversation.id]
    return process


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


def test_it_starts_a_new_conversation_on_a_spare_and_replaces_it(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "spare-a")
    spare = _wait_for_spare(proxy)

    _ask(proxy, "Second", "spare-b")

    assert _process_of(proxy, "spare-b")["pid"] == spare
    replacement = _wait_for_spare(proxy, besides={spare})
    assert {spare, replacement} <= {cli.pid for cli in proxy.clis()}


def test_it_warms_a_spare_up_without_a_model_call_or_a_trace_in_the_conversation(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "warm-a")
    spare = _wait_for_spare(proxy)

    second = _ask(proxy, "Second", "warm-b")
    third = _third_turn(proxy, second, "warm-b")

    # The spare's warm-up ran before its first turn (a process plays its turns in order):
    # every model call is a conversation's own, and none carries the warm-up.
    assert _process_of(proxy, "warm-b")["pid"] == spare
    assert third.status_code == 200
    assert [block["text"] for block in third.json()["content"]] == ["Hello from the fake upstream."]
    requests = upstream.message_requests()
    assert [request.history() for request in requests] == [
        [("user", "First")],
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
    spare = _wait_for_spare(proxy)
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "a.txt"}, tool_id="toolu_spare"), replies.text("It says hi."))
    question = {"role": "user", "content": "Read a.txt"}

    call = post([question], "tools-b")
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_spare", "content": "hi"}]}
    answer = post([question, {"role": "assistant", "content": call["content"]}, result], "tools-b")

    assert _process_of(proxy, "tools-b")["pid"] == spare
    assert [(block["type"], block.get("id")) for block in call["content"]] == [("text", None), ("tool_use", "toolu_spare")]
    assert answer["content"] == [{"type": "text", "text": "It says hi."}]
    assert len(upstream.message_requests()) == 3
    assert upstream.message_requests()[2].tool_results() == [("toolu_spare", "hi", False)]


def test_it_never_starts_a_conversation_on_a_spare_with_other_options(start_proxy, upstream):
    # Budget enough for both conversations' processes and both keys' spares.
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1", CLAUDE_PROXY_LIVE_RSS_MB="8192")
    _ask(proxy, "First", "other-a", system="You are terse.")
    spare = _wait_for_spare(proxy)

    _ask(proxy, "Second", "other-b", system="You are verbose.")

    # The verbose conversation has a CLI of its own; the terse spare still waits for a terse one.
    assert _process_of(proxy, "other-b")["pid"] != spare
    assert spare in _spares(live_processes(proxy, staff_cookie()))


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

    # The older conversation's process was closed; the newer one's is left, idle.
    newer = Conversation.objects.get(key="budget-new").id
    processes = wait_for_processes(proxy, staff_cookie(), lambda found: len(found) == 1)
    assert [(process["conversation_id"], process["state"]) for process in processes] == [(newer, "idle")]
    assert [cli.pid for cli in proxy.clis()] == [processes[0]["pid"]]


def test_it_resumes_a_conversation_begun_on_a_spare_without_the_warm_up(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_WARM_SPARES="1")
    _ask(proxy, "First", "resume-a")
    spare = _wait_for_spare(proxy)
    second = _ask(proxy, "Second", "resume-b")
    used = _process_of(proxy, "resume-b")["pid"]
    [cli] = [child for child in proxy.clis() if child.pid == used]
    cli.kill()  # the next turn must resume the spare's session from its transcript
    cli.wait(timeout=10)

    third = _third_turn(proxy, second, "resume-b")

    assert used == spare
    assert third.status_code == 200
    assert third.headers["x-claude-session-id"] == second.headers["x-claude-session-id"]
    resumed = upstream.message_requests()[-1]
    assert resumed.history() == [("user", "Second"), ("assistant", "Hello from the fake upstream."), ("user", "Third")]
    assert "warm-up" not in json.dumps(resumed.body)
