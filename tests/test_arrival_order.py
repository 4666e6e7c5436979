"""Turns take the concurrency slots in the order their requests arrived."""

import re
import threading

import httpx

from tests.helpers import message_body
from tests.upstream import replies

STARTED = re.compile(r"event=request\.start request_id=(order-\d+)")


def test_it_serves_waiting_requests_in_arrival_order(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_MAX_CONCURRENT="1")
    upstream.enqueue(replies.text("holding the only slot", chunks=4, delay=0.3))
    upstream.default_reply = lambda: replies.text("ok")

    def ask(name):
        headers = {"x-request-id": name, "x-session-id": name}  # a conversation each
        httpx.post(f"{proxy.url}/v1/messages", json=message_body(name, stream=False), headers=headers, timeout=60)

    threads = [threading.Thread(target=ask, args=(f"order-{number:02d}",)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    arrived = STARTED.findall(proxy.output())
    served = [request.user_texts()[-1] for request in upstream.message_requests()]
    assert len(arrived) == 12
    assert served == arrived
