"""Warm spares: a new conversation starts on a CLI process started ahead with the same
options, a used spare is replaced, and idle processes stay within the memory budget."""

import re
import time

import httpx
import psutil

from tests.helpers import message_body

SPARE_STARTED = re.compile(r"claude process started: pid=(\d+) conversation=None")
ON_SPARE = re.compile(r"conversation (\d+) starts on warm spare pid=(\d+)")


def _ask(proxy, text, session, system="You are terse."):
    body = message_body(text, stream=False, system=system)
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)
    assert response.status_code == 200, response.text
    return response


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
