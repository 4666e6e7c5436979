"""An instance killed outright (SIGKILL to the server alone, as the OOM killer sends it):
its CLIs die with it and call the upstream no more, and another instance on the database
takes the turn it held at its missing heartbeat, not at its lease's end."""

import os
import signal
import threading
import uuid

import httpx
import psutil

from sessions_admin.models import Conversation
from tests.conftest import TEST_ROOT
from tests.helpers import logged, message_body
from tests.proxy_server import cli_test_env
from tests.several_instances import wait_until
from tests.upstream import replies

READ = {"name": "read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}


def ask(proxy, session, history, request_id=None, timeout=60, **fields):
    headers = {"x-session-id": session, "x-request-id": request_id or f"killed-{uuid.uuid4().hex[:12]}"}
    body = {**message_body(stream=False), "messages": history, **fields}
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers=headers, timeout=timeout)


def kill_the_server_alone(proxy):
    """SIGKILL to the server's process, not its group: what its CLIs do next is their own."""
    clis = proxy.clis()
    assert clis, "the server runs no CLI"
    os.kill(proxy.process.pid, signal.SIGKILL)
    proxy.process.wait()
    return clis


def dead(process):
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # reaped by whoever inherited it
    except psutil.NoSuchProcess:
        return True


def test_its_cli_paused_on_a_tool_call_dies_with_it_and_calls_the_upstream_no_more(start_proxy, upstream):
    proxy = start_proxy()
    upstream.enqueue(replies.tool_use("mcp__client__read", {"path": "notes.txt"}, tool_id="toolu_orphan"))
    paused = ask(proxy, f"orphan-{uuid.uuid4().hex[:8]}", [{"role": "user", "content": "Read notes.txt"}], tools=[READ])
    assert paused.json()["stop_reason"] == "tool_use"
    calls = len(upstream.message_requests())

    clis = kill_the_server_alone(proxy)

    wait_until(lambda: all(dead(cli) for cli in clis), what="the CLIs to die with their server")
    assert len(upstream.message_requests()) == calls


def test_a_survivor_takes_its_turn_at_its_missing_heartbeat(start_proxy, upstream_server, cli_env, upstream):
    # Leases of ten minutes: an answer within the request's minute is the heartbeat's doing.
    servers = {}
    for name in ("a", "b"):
        env = cli_test_env(upstream_server.url, TEST_ROOT / f"killed-{name}-home")
        env["CLAUDE_PROXY_WORKDIR"] = cli_env["CLAUDE_PROXY_WORKDIR"]
        servers[name] = start_proxy(
            **env, CLAUDE_PROXY_INSTANCE=f"killed-{name}", CLAUDE_PROXY_HEARTBEAT_SECONDS="1",
            CLAUDE_PROXY_LEASE_SECONDS="600",
        )  # fmt: skip
    a, b = servers["a"], servers["b"]
    session = f"killed-{uuid.uuid4().hex[:8]}"
    assert ask(a, session, [{"role": "user", "content": "Question 1"}]).status_code == 200
    gate = threading.Event()
    upstream.enqueue(replies.text("An answer no one reads.", chunks=6, delay=0.05, gate=gate))
    calls = len(upstream.message_requests())
    retry = [
        {"role": "user", "content": "Question 1"},
        {"role": "assistant", "content": "Hello from the fake upstream."},
        {"role": "user", "content": "Question 2"},
    ]
    threading.Thread(target=_ignore, args=(ask, a, session, retry)).start()
    wait_until(lambda: len(upstream.message_requests()) == calls + 1, what="A's turn at the upstream")
    orphaned = upstream.message_requests()[-1]

    clis = kill_the_server_alone(a)
    wait_until(lambda: all(dead(cli) for cli in clis), what="A's CLIs to die with it")
    gate.set()
    orphaned.finished.wait(30)
    assert not orphaned.answered  # no one read past the first event

    answered = ask(b, session, retry, "killed-survivor")

    assert answered.json()["content"][0]["text"] == "Hello from the fake upstream."
    assert [text for _, text in upstream.message_requests()[-1].history()] == ["Question 1", "Hello from the fake upstream.", "Question 2"]
    row = logged("killed-survivor")
    assert (row.status, row.outcome) == (200, "answered")
    assert row.queue_wait_ms > 0
    conversation = Conversation.objects.get(key=session)
    assert (conversation.version, conversation.turn_holder, conversation.live_on) == (2, "", "killed-b")


def _ignore(call, *args):
    try:
        call(*args)
    except httpx.TransportError:  # its server was killed under it
        pass
