"""Time to first token and memory, measured in one run against the fake upstream.

    .venv/bin/python bench/spares_and_memory.py [samples]

For an upstream delay of 0 and 0.3 s, the median and p90 time to the first text delta
(each request 1 s after the one before, as a person's are):
(a) a new conversation, cold; (b) a new conversation on a warm spare; (c) the next turn
on the live process; (d) the next turn by a cold resume; (e) a new CLI per request via
the SDK's query() (what spawn-per-request proxies do); and what the CLI alone takes, the
floor under (b) and (c): (g) a warmed-up process's first turn and (h) its next turn, with
the proxy's options, driven by its own runner with no HTTP or database in between. Then
(i) the next turn on the live process with structured outputs (a JSON schema; the upstream
answers with the CLI's StructuredOutput call, the client's first text delta is the JSON)
against (c), and (j) the same with an API key (a row the proxy reads on every request)
against (c). Then (f) 50 concurrent streams over 10 conversations, for the proxy and for query() per
request: errors, arrival order, peak CLI processes, peak memory; and the proxy's idle
memory afterwards.
"""

import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["CLAUDE_PROXY_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-data-")

import httpx  # noqa: E402
import psutil  # noqa: E402
from claude_agent_sdk import ClaudeAgentOptions, StreamEvent, query  # noqa: E402

from messages_api.claude.runner import ClaudeProcess, TurnEnded, any_process_ended, running_processes  # noqa: E402
from messages_api.prompt import user_message  # noqa: E402
from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.upstream import replies  # noqa: E402
from tests.upstream.server import FakeUpstream  # noqa: E402

SYSTEM = "You are a terse assistant."
# Keep-alive connections, as an editor holds them: a new client per request would time
# its own TLS setup (~20 ms), not the proxy.
HTTP = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=64))
# A person's messages come seconds apart: each measured request (a) to (e) waits this
# long after the one before, so it does not meet the previous turn's after-work (its
# transcript written, a replacement spare starting). Tool steps come back to back:
# bench/tool_steps.py times those.
PAUSE = 1.0


class Watcher(threading.Thread):
    """Peak CLI processes and peak memory (server and CLIs) while it runs."""

    def __init__(self, root_pid):
        super().__init__(daemon=True)
        self.root, self.peak_processes, self.peak_mb, self.done = psutil.Process(root_pid), 0, 0, threading.Event()

    def sample(self):
        try:
            clis = [c for c in self.root.children(recursive=True) if "claude" in " ".join(c.cmdline())]
            rss = sum(p.memory_info().rss for p in [self.root, *clis])
        except psutil.Error:
            return 0, 0
        return len(clis), rss // 2**20

    def run(self):
        while not self.done.is_set():
            count, mb = self.sample()
            self.peak_processes, self.peak_mb = max(self.peak_processes, count), max(self.peak_mb, mb)
            self.done.wait(0.05)


WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def first_delta(proxy, messages, session, secret=None, **fields):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True, "system": SYSTEM, "messages": messages, **fields}
    headers = {"x-session-id": session, **({"x-api-key": secret} if secret else {})}
    started, first = time.perf_counter(), None
    with HTTP.stream("POST", f"{proxy.url}/v1/messages", json=body, headers=headers) as response:
        for line in response.iter_lines():  # read to the end: the turn is over before the next
            if first is None and "text_delta" in line:
                first = time.perf_counter() - started
    return first


def spares_ready(proxy, count):
    deadline = time.monotonic() + 30
    while proxy.output().count("claude process warmed up") < count and time.monotonic() < deadline:
        time.sleep(0.02)


def new_conversations(proxy, samples, tag, spares=False):
    times = []
    for number in range(samples):
        if spares:
            spares_ready(proxy, number + 1)
        time.sleep(PAUSE)
        times.append(first_delta(proxy, [{"role": "user", "content": f"{tag} {number}"}], f"{tag}-{number}"))
    return times


def next_turns(proxy, samples, tag, upstream=None, delay=0.0, secret=None):
    """(c), (d); with `upstream`, (i): each turn asks for a JSON schema and the upstream
    answers it with a StructuredOutput call after `delay`; with `secret`, (j): each turn
    comes with that API key (a row of the database)."""
    structured = {"output_config": {"format": {"type": "json_schema", "schema": WEATHER_SCHEMA}}} if upstream else {}
    answer = '{"city": "Oslo"}' if upstream else "Hello from the fake upstream."
    messages, times = [{"role": "user", "content": "Turn 0"}], []
    for number in range(samples + 1):
        if upstream:
            upstream.enqueue(replies.tool_use("StructuredOutput", {"city": "Oslo"}, preamble="", hang=delay))
        if number:
            messages += [{"role": "assistant", "content": answer}, {"role": "user", "content": f"Turn {number}"}]
            time.sleep(PAUSE)
        took = first_delta(proxy, messages, tag, secret, **structured)
        times += [took] if number else []
    return times


async def sdk_first_delta(env, workdir, prompt, pause=0.0):
    await asyncio.sleep(pause)
    options = ClaudeAgentOptions(model="sonnet", tools=[], env=env, cwd=workdir, system_prompt=SYSTEM, include_partial_messages=True)
    started, first = time.perf_counter(), None
    async for message in query(prompt=prompt, options=options):
        if isinstance(message, StreamEvent) and message.event.get("delta", {}).get("type") == "text_delta":
            first = first or time.perf_counter() - started
    return first


class Said(logging.Handler):
    """Wakes the bench when the runner logs `text` (a process warmed up)."""

    def __init__(self, text):
        super().__init__()
        self.text, self.event = text, asyncio.Event()

    def emit(self, record):
        if self.text in record.getMessage():
            self.event.set()


def with_django():
    import django
    from django.apps import apps

    if not apps.ready:  # once: each setup() configures logging anew
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")
        django.setup()


def keyed_next_turns(proxy, samples, tag):
    """(j): (c) with an API key of the database's, which the proxy checks on every request."""
    with_django()
    from sessions_admin.api_keys import ApiKey

    key, secret = ApiKey.objects.create_key(f"bench-{tag}")
    try:
        return next_turns(proxy, samples, tag, secret=secret)
    finally:
        key.delete()  # the bench's other proxies take requests with no key


def proxy_options():
    """The options the proxy starts the CLI with for the bench's requests (its transcript
    mirror left out: it writes after the answer). Settings come from the environment."""
    with_django()
    from messages_api.claude.options import build_options
    from messages_api.wire.anthropic import parse_messages_request

    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "system": SYSTEM, "messages": [{"role": "user", "content": "-"}]}
    return build_options(parse_messages_request(json.dumps(body).encode(), "application/json"))


async def cli_alone(samples):
    """(g) and (h): the first turn of a warmed-up process (a spare's) and the next turn
    (a live one's), each `PAUSE` after the one before, through runner.ClaudeProcess."""
    first, following = [], []
    proxy_options()  # Django's logging set up before the bench listens to the runner's
    warmed, runner_log = Said("warmed up"), logging.getLogger("claude_proxy.runner")
    runner_log.setLevel(logging.INFO)
    runner_log.addHandler(warmed)
    for number in range(samples):
        warmed.event.clear()
        process = ClaudeProcess(proxy_options(), warm_up=True).start()
        await asyncio.wait_for(warmed.event.wait(), 30)
        for times in (first, following):
            await asyncio.sleep(PAUSE)
            started, turn = time.perf_counter(), process.submit(user_message(f"alone {number}"))
            while True:
                message = await turn.next(timeout=30)
                if isinstance(message, StreamEvent) and message.event.get("delta", {}).get("type") == "text_delta":
                    times.append(time.perf_counter() - started)
                    break
            with contextlib.suppress(TurnEnded):
                while True:
                    await turn.next(timeout=30)
        process.close()
        while process in running_processes():
            await any_process_ended()
    runner_log.removeHandler(warmed)
    return first, following


def concurrent_proxy(proxy):
    """50 streams over 10 conversations at once (arrival order is a test's business:
    tests/test_arrival_order.py); (errors, watcher)."""
    watcher = Watcher(proxy.process.pid)
    watcher.start()
    errors = []

    def stream(number):
        try:
            first_delta(proxy, [{"role": "user", "content": f"Concurrent {number}"}], f"concurrent-{number % 10}")
        except Exception as exc:  # noqa: BLE001 - counted, not raised
            errors.append(repr(exc))

    threads = [threading.Thread(target=stream, args=(number,)) for number in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    watcher.done.set()
    return errors, watcher


def concurrent_sdk(env, workdir):
    watcher = Watcher(os.getpid())
    watcher.start()

    async def all_of_them():
        slots = asyncio.Semaphore(10)  # as many at once as the proxy's default

        async def one(number):
            async with slots:
                return await sdk_first_delta(env, workdir, f"Concurrent {number}")

        return await asyncio.gather(*(one(number) for number in range(50)), return_exceptions=True)

    results = asyncio.run(all_of_them())
    watcher.done.set()
    return [r for r in results if isinstance(r, BaseException)], watcher


def summary(times):
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.9) - 1)] * 1000


def main(samples):
    upstream = FakeUpstream().start()
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = cli_test_env(upstream.url, home)
    data = Path(os.environ["CLAUDE_PROXY_DATA_DIR"])
    sdk_env, workdir = {**os.environ, **env}, str(home / "work")
    os.environ.update(env)  # for the proxy's settings, which (g) and (h) build options from
    rows = {}
    for delay in (0.0, 0.3):
        upstream.default_reply = lambda delay=delay: replies.text("Hello from the fake upstream.", hang=delay)
        cold = ProxyServer({**env, "CLAUDE_PROXY_WARM_SPARES": "0", "CLAUDE_PROXY_MAX_LIVE": "0"}, data).start()
        warm = ProxyServer({**env, "CLAUDE_PROXY_WARM_SPARES": "1"}, data).start()
        try:
            rows[delay] = {
                "(a) new conversation, cold": new_conversations(cold, samples, f"cold{delay}"),
                "(b) new conversation, warm spare": new_conversations(warm, samples, f"warm{delay}", spares=True),
                "(c) next turn, live process": next_turns(warm, samples, f"live{delay}"),
                "(i) next turn, live, structured": next_turns(warm, samples, f"json{delay}", upstream, delay),
                "(j) next turn, live, API key": keyed_next_turns(warm, samples, f"keyed{delay}"),
                "(d) next turn, cold resume": next_turns(cold, samples, f"resume{delay}"),
                "(e) query() per request": [
                    asyncio.run(sdk_first_delta(sdk_env, workdir, f"sdk {number}", PAUSE)) for number in range(samples)
                ],
            }
            alone_first, alone_next = asyncio.run(cli_alone(samples))
            rows[delay]["(g) CLI alone, warmed first turn"] = alone_first
            rows[delay]["(h) CLI alone, next turn"] = alone_next
        finally:
            cold.stop()
            warm.stop()

    upstream.default_reply = lambda: replies.text("Hello from the fake upstream.", hang=0.3)
    proxy = ProxyServer(env, data).start()
    try:
        errors, watched = concurrent_proxy(proxy)
        settled = time.monotonic() + 3
        while time.monotonic() < settled:
            time.sleep(0.1)
        idle_processes, idle_mb = Watcher(proxy.process.pid).sample()
    finally:
        proxy.stop()
    sdk_errors, sdk_watched = concurrent_sdk(sdk_env, workdir)
    upstream.stop()

    for delay, measured in rows.items():
        print(f"\nupstream delay {delay * 1000:.0f} ms: time to first text delta, median / p90 of {samples}")
        for name, times in measured.items():
            median, p90 = summary(times)
            print(f"  {name:34s} {median:7.0f} ms {p90:7.0f} ms   (+{median - delay * 1000:.0f} ms over the delay)")
        spare, live = summary(measured["(b) new conversation, warm spare"])[0], summary(measured["(c) next turn, live process"])[0]
        cold_new, resumed = summary(measured["(a) new conversation, cold"])[0], summary(measured["(d) next turn, cold resume"])[0]
        print(f"  cold / spare: {cold_new / spare:.1f}x   resume / live: {resumed / live:.1f}x")
        alone_first, alone_next = summary(measured["(g) CLI alone, warmed first turn"])[0], summary(measured["(h) CLI alone, next turn"])[0]
        print(f"  over the CLI alone: spare (b) - (g) = {spare - alone_first:+.0f} ms   live (c) - (h) = {live - alone_next:+.0f} ms")
        structured = summary(measured["(i) next turn, live, structured"])[0]
        print(f"  structured over plain, live: (i) - (c) = {structured - live:+.0f} ms")
        keyed = summary(measured["(j) next turn, live, API key"])[0]
        print(f"  a key's row checked, live: (j) - (c) = {keyed - live:+.0f} ms")
    print("\n(f) 50 concurrent streams over 10 conversations, upstream delay 300 ms")
    print(f"  proxy:             errors {len(errors)}, peak CLI processes {watched.peak_processes}, peak memory {watched.peak_mb} MB")
    print(f"  query() per request: errors {len(sdk_errors)}, peak CLI processes {sdk_watched.peak_processes}, peak memory {sdk_watched.peak_mb} MB")
    print(f"  peak memory proxy / per-request: {watched.peak_mb / max(1, sdk_watched.peak_mb):.2f}x")
    print(f"  proxy idle after the run: {idle_processes} CLI processes, {idle_mb} MB (budget CLAUDE_PROXY_LIVE_RSS_MB, default 1024, for idle CLIs)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
