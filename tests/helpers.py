"""Small helpers the integration tests share."""

import hashlib
import json
import time

from sessions_admin.models import RequestLog


def logged(request_id, timeout=10):
    """The RequestLog row of `request_id`, waiting for a stream that is still closing."""
    deadline = time.monotonic() + timeout
    while True:
        row = RequestLog.objects.filter(request_id=request_id).first()
        if row is not None or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def sse_events(raw):
    """(event name, data dict) pairs from raw SSE bytes; comments (pings) left out."""
    events = []
    for chunk in raw.decode().split("\n\n"):
        lines = [line for line in chunk.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        name = lines[0].removeprefix("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        events.append((name, data))
    return events


def message_body(text="Hello?", **fields):
    """A request body; streamed unless `stream=False` is given (the API's own default is
    JSON: tests of that leave the key out on purpose)."""
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": text}]}
    return {**body, "stream": True, **fields}


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def user(text):
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def assistant(text):
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}
