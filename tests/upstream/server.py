"""A fake Anthropic API on 127.0.0.1 that plays scripted replies and records requests.

The real Claude Code CLI is pointed at it with ANTHROPIC_BASE_URL, so a test can assert
both what a client received and what the CLI sent upstream.
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import replies


def as_cached(value):
    """What the prompt cache sees: no cache marks, and a string content the same as one
    text block (the CLI writes its last message as blocks to mark it, the others not)."""
    if isinstance(value, list):
        return [as_cached(item) for item in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("content"), str) and "role" in value:
        value = {**value, "content": [{"type": "text", "text": value["content"]}]}
    return {key: as_cached(item) for key, item in value.items() if key != "cache_control"}



@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict
    body: dict | None
    answered: bool = False  # the whole reply was written (False: the CLI hung up first)
    # When it arrived, on the clock the proxy's time.monotonic() reads too (one machine).
    received_at: float = field(default_factory=time.monotonic)
    # Set once the handler is done with it: the reply written out, or the CLI gone.
    finished: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def is_message(self):
        return self.method == "POST" and self.path.split("?")[0] == "/v1/messages"

    def user_texts(self):
        """Every text the CLI sent in user turns, in order (strings and text blocks)."""
        texts = []
        for message in (self.body or {}).get("messages", []):
            if message.get("role") != "user":
                continue
            content = message["content"]
            if isinstance(content, str):
                texts.append(content)
                continue
            for block in content:
                if block.get("type") == "text":
                    texts.append(block["text"])
        return texts

    def history(self):
        """(role, text) of each user and assistant turn the CLI sent, its own reminders left out."""
        turns = []
        for message in (self.body or {}).get("messages", []):
            if message.get("role") not in ("user", "assistant"):
                continue
            content = message["content"]
            blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
            texts = [
                block["text"]
                for block in blocks
                if block.get("type") == "text" and not block["text"].startswith("<system-reminder>")
            ]
            if texts:
                turns.append((message["role"], "\n".join(texts)))
        return turns

    def tool_results(self):
        """(tool_use_id, text, is_error) of the tool_result blocks in the last message sent."""
        found = []
        for block in (self.body or {}).get("messages", [{}])[-1].get("content", []):
            if not isinstance(block, dict) or block.get("type") != "tool_result":
                continue
            content = block["content"]
            text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
            found.append((block["tool_use_id"], text, bool(block.get("is_error"))))
        return found

    def system_text(self):
        system = (self.body or {}).get("system") or []
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system)


class FakeUpstream:
    DEFAULT_REPLY = staticmethod(lambda: replies.text("Hello from the fake upstream."))

    def __init__(self):
        self.requests = []
        self._script = deque()
        self._lock = threading.Lock()
        self.default_reply = self.DEFAULT_REPLY
        # Headers every message reply carries (a subscription's anthropic-ratelimit-unified-*).
        self.headers = {}
        # Requests this says yes to get the default reply and leave the script alone
        # (a client's side requests, such as OpenCode's title request).
        self.unscripted = lambda request: False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def reset(self):
        with self._lock:
            self.requests.clear()
            self._script.clear()
            self.unscripted = lambda request: False
            self.headers = {}

    def enqueue(self, *scripted):
        """Replies for the next message requests, in order; then the default reply."""
        with self._lock:
            self._script.extend(scripted)

    def message_requests(self):
        with self._lock:
            return [r for r in self.requests if r.is_message]

    def _next_reply(self, request):
        with self._lock:
            if self._script and not self.unscripted(request):
                return self._script.popleft()
            return self.default_reply()

    def _record(self, request):
        with self._lock:
            self.requests.append(request)

    def _handler_class(self):
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _read_body(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw) if raw else None
                except ValueError:
                    return {"_raw": raw.decode(errors="replace")}

            def do_GET(self):
                request = RecordedRequest("GET", self.path, dict(self.headers), None)
                upstream._record(request)
                try:
                    self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})
                finally:
                    request.finished.set()

            def do_POST(self):
                body = self._read_body()
                request = RecordedRequest("POST", self.path, dict(self.headers), body)
                upstream._record(request)
                self.recorded = request
                try:
                    self._reply(request, body)
                finally:
                    request.finished.set()

            def _reply(self, request, body):
                if not request.is_message:
                    if self.path.startswith("/v1/messages/count_tokens"):
                        return self._send_json(200, {"input_tokens": 42})
                    return self._send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})
                self._answer(upstream._next_reply(request), stream=bool(body and body.get("stream")))

            def _answer(self, reply, stream):
                if reply.hang:
                    time.sleep(reply.hang)
                if reply.gate is not None:
                    reply.gate.wait(120)
                headers = {**upstream.headers, **reply.headers}
                if reply.error:
                    return self._send_json(reply.status, reply.error, headers)
                if not stream and reply.cut_after is not None:
                    self.connection.shutdown(2)  # a cut reply is cut however it is asked for
                    return
                if not stream:
                    return self._send_json(200, reply.as_message(), headers)
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for sent, event in enumerate(reply.events):
                        if reply.cut_after is not None and sent == reply.cut_after:
                            self.wfile.flush()
                            self.connection.shutdown(2)
                            return
                        if reply.delay:
                            time.sleep(reply.delay)
                        if reply.stall_after is not None and sent == reply.stall_after:
                            time.sleep(reply.stall)
                        frame = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
                        self.wfile.write(frame.encode())
                        self.wfile.flush()
                    self.recorded.answered = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_json(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after", "0")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler
