"""What nginx in front (deploy/nginx-claude-max-proxy.conf) costs a turn, measured in one
run against the fake upstream.

    .venv/bin/python bench/nginx_vs_direct.py [samples]

Starts two proxy instances on one SQLite file and nginx with deploy/'s configuration
before them (tests/several_instances.py), and times a conversation's next turn on its
live process, streamed, to the first text delta and to the end: straight to the
instance that holds it, and through nginx (which hashes the session header to that same
instance). Samples are taken back to back, one each way in turn; the paired median of
their differences is what nginx adds.
"""

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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402

from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.several_instances import Nginx  # noqa: E402
from tests.upstream.server import FakeUpstream  # noqa: E402

REPLY = {"role": "assistant", "content": "Hello from the fake upstream."}
HTTP = httpx.Client(timeout=60)  # one keep-alive connection each way, as an editor holds one


def turn(url, messages, session):
    """(seconds to the first text delta, seconds to the end) of one streamed turn."""
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": True, "messages": messages}
    started, first = time.perf_counter(), None
    with HTTP.stream("POST", f"{url}/v1/messages", json=body, headers={"x-session-id": session}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first is None and line.startswith("data: ") and json.loads(line[6:]).get("type") == "content_block_delta":
                first = time.perf_counter() - started
    return first, time.perf_counter() - started


def main(samples):
    upstream = FakeUpstream().start()
    data = Path(os.environ["CLAUDE_PROXY_DATA_DIR"])
    instances = [
        ProxyServer({**cli_test_env(upstream.url, Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))), "CLAUDE_PROXY_INSTANCE": n}, data).start()
        for n in ("a", "b")
    ]
    nginx = Nginx([server.port for server in instances])
    try:
        session, messages = "bench-nginx", [{"role": "user", "content": "Turn 1"}]
        turn(nginx.url, messages, session)
        # The instance nginx hashed the conversation to: the one whose log has its turn.
        holder = max(instances, key=lambda server: server.output().count("request.end"))
        times = {"direct": [], "nginx": []}
        for n in range(samples):
            for way, url in (("direct", holder.url), ("nginx", nginx.url)):
                messages += [REPLY, {"role": "user", "content": f"Turn {len(messages) // 2 + 2}"}]
                times[way].append(turn(url, messages, session))
    finally:
        nginx.stop()
        for server in instances:
            server.stop()
        upstream.stop()

    print(f"median of {samples}, a streamed next turn on the live process, fake upstream without delay")
    for index, what in ((0, "first text delta"), (1, "whole answer")):
        direct = [sample[index] for sample in times["direct"]]
        proxied = [sample[index] for sample in times["nginx"]]
        paired = statistics.median(b - a for a, b in zip(direct, proxied)) * 1000
        print(
            f"  {what:17} direct {statistics.median(direct) * 1000:6.1f} ms   "
            f"through nginx {statistics.median(proxied) * 1000:6.1f} ms   (paired: {paired:+5.1f} ms)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
