"""The number of CLI processes is capped, whatever is answering, kept or closing; a
kept process that grew too large is recycled."""

import threading
import time

import httpx

from tests.helpers import message_body
from tests.upstream import replies


class PeakWatcher(threading.Thread):
    """Counts the proxy's CLI processes until stopped; keeps the highest count."""

    def __init__(self, proxy):
        super().__init__(daemon=True)
        self.proxy, self.peak, self.done = proxy, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, len(self.proxy.clis()))
            self.done.wait(0.01)


def _ask(proxy, text, session):
    body = message_body(text, stream=False)
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)


def test_it_never_runs_more_cli_processes_than_the_cap(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_MAX_CONCURRENT="2", CLAUDE_PROXY_MAX_LIVE="1")  # cap: 2 + 1
    upstream.default_reply = lambda: replies.text("ok", delay=0.05)
    watcher = PeakWatcher(proxy)
    watcher.start()
    statuses = []

    def conversation(number):
        statuses.append(_ask(proxy, f"Hello {number}", f"cap-{number}").status_code)

    threads = [threading.Thread(target=conversation, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    watcher.done.set()
    watcher.join()

    assert statuses == [200] * 8
    assert 2 <= watcher.peak <= 3


def test_it_recycles_a_kept_process_past_the_memory_limit(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_PROCESS_RSS_MB="1")
    upstream.enqueue(replies.text("Noted: ten."), replies.text("Ten."))

    first = _ask(proxy, "Remember: ten.", "recycle")
    deadline = time.monotonic() + 10
    while proxy.clis() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.clis() == []  # not kept: its memory is over 1 MB

    body = message_body(stream=False)
    body["messages"] = [
        {"role": "user", "content": "Remember: ten."},
        {"role": "assistant", "content": "Noted: ten."},
        {"role": "user", "content": "Which number?"},
    ]
    second = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": "recycle"}, timeout=60)

    assert second.json()["content"] == [{"type": "text", "text": "Ten."}]
    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
