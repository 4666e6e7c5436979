"""When the CLI process that waited for a tool result is gone, the result still reaches
the model as a structured tool_result for the same id, in one upstream call."""

import json
import time

import httpx
import psutil

from sessions_admin.models import Conversation, TranscriptEntry
from tests.test_client_tools import TOOLS
from tests.upstream import replies

QUESTION = {"role": "user", "content": "What do my notes say?"}
SYNTHETIC = ("[Tool call interrupted", "No response requested", "(no content)", "Continue from where you left off")


def _post(proxy, messages, session, stream=False):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": TOOLS, "messages": messages, "stream": stream}
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-affinity": session}, timeout=60)




def _wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _gone(process):
    """The process has exited (an exited child nobody has reaped yet is a zombie)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _round_trip_after(upstream, proxy_for_result, first_proxy, session):
    """The tool call, then its result through `proxy_for_result()`; and the pids of the CLI
    that paused on the call and of the one left idle after the answer."""
    upstream.enqueue(
        replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_gone"),
        replies.text("The notes say: buy milk."),
    )
    first = _post(first_proxy, [QUESTION], session).json()
    [paused] = first_proxy.clis()  # the CLI waiting in its tool handler for the result
    reply = {"role": "assistant", "content": first["content"]}
    result = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_gone", "content": "buy milk"}]}
    answering_proxy = proxy_for_result()
    second = _post(answering_proxy, [QUESTION, reply, result], session)
    [answered] = answering_proxy.clis()  # kept idle after the answer
    return first, second, paused, answered


def _assert_structured_result(upstream):
    sent = upstream.message_requests()
    assert len(sent) == 2  # one upstream call per model step, after the restart too
    assert sent[1].tool_results() == [("toolu_gone", "buy milk", False)]
    assistant = sent[1].body["messages"][-2]
    assert assistant["role"] == "assistant"
    assert [(b["type"], b.get("id")) for b in assistant["content"]] == [("text", None), ("tool_use", "toolu_gone")]
    body = json.dumps(sent[1].body)
    assert [words for words in SYNTHETIC if words in body] == []


def test_it_delivers_a_tool_result_after_a_server_restart(start_proxy, upstream):
    before = start_proxy()
    started = []

    def restarted():
        # The transcript reaches the database a moment after the response: a restart
        # within that moment would find nothing to resume at.
        resume_at = Conversation.objects.get(key="fallback-restart").resume_at
        _wait_until(lambda: TranscriptEntry.objects.filter(uuid=resume_at).exists())
        before.stop()
        started.append(start_proxy())
        return started[-1]

    first, second, paused, answered = _round_trip_after(upstream, restarted, before, "fallback-restart")
    after = started[-1]

    assert first["stop_reason"] == "tool_use"
    # A new server answered, on a CLI of its own: the paused one ended with the old server.
    assert after.process.pid != before.process.pid
    assert answered.pid != paused.pid and _gone(paused)
    assert second.status_code == 200
    assert [block["text"] for block in second.json()["content"]] == ["The notes say: buy milk."]
    _assert_structured_result(upstream)
    conversation = Conversation.objects.get(key="fallback-restart")
    # The session was forked at the tool call: the conversation follows the fork.
    assert second.headers["X-Claude-Session-ID"] == conversation.claude_session_id
    assert conversation.previous_session_id and conversation.previous_session_id != conversation.claude_session_id
    assert (conversation.status, conversation.pending_tool_calls) == ("ready", [])


def test_it_delivers_a_tool_result_after_the_wait_ran_out(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_TOOL_WAIT="1s")

    def after_the_wait():
        # The CLI that waited in its tool handler has been ended by the reaper.
        _wait_until(lambda: proxy.clis() == [])
        return proxy

    first, second, paused, answered = _round_trip_after(upstream, after_the_wait, proxy, "fallback-wait")

    assert second.status_code == 200
    assert [block["text"] for block in second.json()["content"]] == ["The notes say: buy milk."]
    _assert_structured_result(upstream)
    # The same server answered, on a new CLI: the one that paused is gone for good.
    assert answered.pid != paused.pid and _gone(paused)
