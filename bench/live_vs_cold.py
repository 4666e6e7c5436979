"""How much a live CLI process saves, measured in one run against the fake upstream.

    .venv/bin/python bench/live_vs_cold.py [turns]

Prints the median time of a whole non-streaming answer for: the SDK called directly
(a new CLI process per request), the proxy on a new conversation (cold spawn), the
proxy continuing a conversation on its live process, and continuing by a cold resume
(no live processes), then the ratios between them.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["CLAUDE_PROXY_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-data-")

import httpx  # noqa: E402
from claude_agent_sdk import ClaudeAgentOptions, ResultMessage, query  # noqa: E402

from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.upstream.server import FakeUpstream  # noqa: E402


def timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def sdk_direct(env, workdir):
    async def one():
        options = ClaudeAgentOptions(model="sonnet", permission_mode="default", tools=[], env=env, cwd=workdir)
        results = [message async for message in query(prompt="Hello?", options=options) if isinstance(message, ResultMessage)]
        assert len(results) == 1

    asyncio.run(one())


HTTP = httpx.Client(timeout=60)  # one keep-alive connection, as an editor holds one


def ask(proxy, messages, session):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": False, "messages": messages}
    response = HTTP.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session})
    response.raise_for_status()


def conversation_turns(proxy, turns, session):
    """Times of turns 2..n of one conversation (turn 1 starts it)."""
    messages = [{"role": "user", "content": "Turn 1"}]
    ask(proxy, messages, session)
    times = []
    for number in range(2, turns + 2):
        messages += [
            {"role": "assistant", "content": "Hello from the fake upstream."},
            {"role": "user", "content": f"Turn {number}"},
        ]
        times.append(timed(lambda: ask(proxy, messages, session)))
    return times


def main(turns):
    upstream = FakeUpstream().start()
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = cli_test_env(upstream.url, home)
    data = Path(os.environ["CLAUDE_PROXY_DATA_DIR"])
    live_proxy = ProxyServer(env, data).start()
    cold_proxy = ProxyServer({**env, "CLAUDE_PROXY_MAX_LIVE": "0"}, data).start()
    try:
        direct = [timed(lambda: sdk_direct({**os.environ, **env}, str(home / "work"))) for _ in range(turns)]
        new = [timed(lambda n=n: ask(live_proxy, [{"role": "user", "content": f"New {n}"}], f"bench-new-{n}")) for n in range(turns)]
        live = conversation_turns(live_proxy, turns, "bench-live")
        resumed = conversation_turns(cold_proxy, turns, "bench-resume")
    finally:
        live_proxy.stop()
        cold_proxy.stop()
        upstream.stop()

    medians = {name: statistics.median(times) for name, times in [
        ("sdk query(), new process", direct),
        ("proxy, new conversation", new),
        ("proxy, continued on live process", live),
        ("proxy, continued by cold resume", resumed),
    ]}  # fmt: skip
    for name, seconds in medians.items():
        print(f"{name:36s} {seconds * 1000:8.0f} ms (median of {turns})")
    live_ms = medians["proxy, continued on live process"]
    print(f"cold resume / live:                  {medians['proxy, continued by cold resume'] / live_ms:6.1f}x")
    print(f"new conversation / live:             {medians['proxy, new conversation'] / live_ms:6.1f}x")
    print(f"sdk new process / proxy live:        {medians['sdk query(), new process'] / live_ms:6.1f}x")
    print(f"proxy new / sdk new (HTTP+DB cost):  {medians['proxy, new conversation'] / medians['sdk query(), new process']:6.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
