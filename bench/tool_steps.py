"""A 5-step client-tool conversation through the proxy, measured in one run against the
fake upstream, beside a spawn-per-request baseline.

    .venv/bin/python bench/tool_steps.py [steps] [upstream delay in seconds]

Each step: the model calls the client's `read` tool, the client sends the result, and
the next model step streams back. Prints, per step: upstream calls, whether the call
repeats the previous one's system, tools and messages byte for byte (so the prompt
cache can hit), and time to the first content event; then the same time for the
baseline, which starts a CLI per request (`query()`, resuming the session) as
spawn-per-request proxies do, and the ratio. bench/responses_tool_steps.py runs the same
with Codex's requests on /v1/responses (`main` with its client).
"""

import asyncio
import json
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
from claude_agent_sdk import ClaudeAgentOptions, StreamEvent, SystemMessage, query  # noqa: E402

from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.upstream import replies  # noqa: E402
from tests.upstream.server import FakeUpstream, as_cached  # noqa: E402

READ = {"name": "read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}}
HTTP = httpx.Client(timeout=120)  # one keep-alive connection, as an editor holds one


def script(upstream, steps, delay, tool, arguments):
    """The model's side: a call of `tool` per step (arguments(n), id toolu_stepN), then an answer."""
    calls = [replies.tool_use(tool, arguments(n), tool_id=f"toolu_step{n}", delay=delay) for n in range(steps)]
    upstream.enqueue(*calls, replies.text("Read them all.", delay=delay))


def streamed(url, body, headers):
    """(seconds since it was sent, event) of each `data:` event of one streamed request."""
    started = time.perf_counter()
    with HTTP.stream("POST", url, json=body, headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                yield time.perf_counter() - started, json.loads(line[6:])


def proxy_step(proxy, messages):
    """(seconds to the first content event, the assistant message) of one streamed request."""
    body = {"model": "claude-sonnet-4-5", "max_tokens": 256, "stream": True, "tools": [READ], "messages": messages}
    first, blocks = None, {}
    for elapsed, event in streamed(f"{proxy.url}/v1/messages", body, {"x-session-id": "bench-tools"}):
        if event["type"] == "content_block_start":
            first = first or elapsed
            blocks[event["index"]] = dict(event["content_block"])
        elif event["type"] == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            if delta["type"] == "input_json_delta":
                block["json"] = block.get("json", "") + delta["partial_json"]
            else:
                block["text"] += delta["text"]
        elif event["type"] == "content_block_stop" and "json" in blocks[event["index"]]:
            block = blocks[event["index"]]
            block["input"] = json.loads(block.pop("json"))
    return first, {"role": "assistant", "content": [blocks[index] for index in sorted(blocks)]}


def messages_client(upstream, steps, delay):
    """A client of /v1/messages with a `read` tool; `send(proxy, n)` sends step n's request
    (the history, the last step's tool result at its end) and times it."""
    script(upstream, steps, delay, "mcp__client__read", lambda n: {"path": f"f{n}.txt"})
    messages = [{"role": "user", "content": "Read the files one by one."}]

    def send(proxy, number):
        first, reply = proxy_step(proxy, messages)
        result = {"type": "tool_result", "tool_use_id": f"toolu_step{number}", "content": f"contents of f{number}.txt"}
        messages.extend([reply, {"role": "user", "content": [result]}])  # what the next step sends
        return first

    return send


def run_proxy(proxy, upstream, steps, send):
    """(seconds to the first content event, upstream calls) of each step, and whether
    each upstream call kept the previous one's prefix."""
    rows = []
    for number in range(steps + 1):
        before = len(upstream.message_requests())
        first = send(proxy, number)
        rows.append((first, len(upstream.message_requests()) - before))
    sent = upstream.message_requests()
    return rows, [prefix_kept(earlier, later) for earlier, later in zip(sent, sent[1:])]


def prefix_kept(earlier, later):
    same_head = later.body["system"] == earlier.body["system"] and later.body["tools"] == earlier.body["tools"]
    before = as_cached(earlier.body["messages"])
    return same_head and as_cached(later.body["messages"][: len(before)]) == before


def run_baseline(env, workdir, steps):
    """A CLI per request: each step resumes the session in a new process (what
    spawn-per-request proxies do); the tool result goes in as the next prompt."""

    async def step(prompt, resume):
        options = ClaudeAgentOptions(
            model="sonnet", tools=[], env=env, cwd=workdir, resume=resume, include_partial_messages=True
        )
        started, first, session = time.perf_counter(), None, resume
        async for message in query(prompt=prompt, options=options):
            if isinstance(message, SystemMessage) and message.subtype == "init":
                session = message.data["session_id"]
            if isinstance(message, StreamEvent) and message.event["type"] == "content_block_start":
                first = first or time.perf_counter() - started
        return first, session

    async def all_steps():
        times, session = [], None
        for number in range(steps + 1):
            prompt = "Read the files one by one." if number == 0 else f"[Tool result for toolu_step{number - 1}: contents]"
            first, session = await step(prompt, session)
            times.append(first)
        return times

    return asyncio.run(all_steps())


def main(steps, delay, client=messages_client, title="tool conversation on /v1/messages"):
    upstream = FakeUpstream().start()
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = cli_test_env(upstream.url, home)
    proxy = ProxyServer(env, Path(os.environ["CLAUDE_PROXY_DATA_DIR"])).start()
    try:
        rows, stable = run_proxy(proxy, upstream, steps, client(upstream, steps, delay))
        upstream.reset()
        upstream.default_reply = lambda: replies.text("Next.", delay=delay)
        baseline = run_baseline({**os.environ, **env}, str(home / "work"), steps)
    finally:
        proxy.stop()
        upstream.stop()

    print(f"{steps}-step {title}, upstream delay {delay * 1000:.0f} ms per event")
    print("step  upstream calls  prefix kept  proxy TTFB  spawn-per-request TTFB")
    for number, ((ttfb, calls), base) in enumerate(zip(rows, baseline)):
        kept = "-" if number == 0 else ("yes" if stable[number - 1] else "NO")
        print(f"{number:4d}  {calls:14d}  {kept:>11s}  {ttfb * 1000:7.0f} ms  {base * 1000:19.0f} ms")
    live = [ttfb for ttfb, _ in rows[1:]]
    print(f"upstream calls per step: {sum(calls for _, calls in rows) / len(rows):.2f}")
    print(f"prefix kept on every call: {all(stable)}")
    print(f"median TTFB of steps 1..{steps}: proxy {statistics.median(live) * 1000:.0f} ms, "
          f"spawn-per-request {statistics.median(baseline[1:]) * 1000:.0f} ms "
          f"({statistics.median(baseline[1:]) / statistics.median(live):.1f}x)")  # fmt: skip


def arguments():
    """(steps, upstream delay in seconds) from the command line."""
    return int(sys.argv[1]) if len(sys.argv) > 1 else 5, float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


if __name__ == "__main__":
    main(*arguments())
