"""Daphne, as a proxy with open streams and untrusted clients needs it.

Slow clients: a connection silent for CLAUDE_PROXY_CLIENT_IDLE_SECONDS between requests,
or one that takes longer than CLAUDE_PROXY_REQUEST_READ_SECONDS to send a request's
headers and body, is closed (one trickling a byte at a time held a socket forever).
Requests daphne refuses itself (bad header bytes) get the JSON error envelope.

Stopping: on SIGTERM or SIGINT: stop accepting connections, end every answer in progress with an
`overloaded_error` event ("server shutting down"), let each request write its log row,
end every CLI process, then stop daphne; all within CLAUDE_PROXY_SHUTDOWN_SECONDS. A
second signal stops at once. Daphne's own handlers would cancel the requests outright:
the client would get a cut stream and the log row would be lost.
"""

import asyncio
import json
import logging
import signal
import time
import weakref

from daphne.http_protocol import WebRequest
from daphne.server import Server
from django.conf import settings
from twisted.internet import reactor, task

from . import instances
from .claude.registry import runtimes

log = logging.getLogger("claude_proxy.server")


class EnvelopeErrorRequest(WebRequest):
    """Daphne's own refusals, in the API's error envelope rather than an HTML page."""

    def basic_error(self, status, status_text, body):
        error_type = "invalid_request_error" if status < 500 else "api_error"
        envelope = {"type": "error", "error": {"type": error_type, "message": body}}
        self.handle_reply(
            {"type": "http.response.start", "status": status, "headers": [(b"Content-Type", b"application/json")]}
        )
        self.handle_reply({"type": "http.response.body", "body": json.dumps(envelope).encode()})


class GracefulServer(Server):
    def __init__(self, **kwargs):
        super().__init__(signal_handlers=False, **kwargs)
        self.ports = []
        self._stopping = False
        self._channels = weakref.WeakSet()  # every HTTP connection, for the read deadline

    def run(self):
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_signal)
        super().run()

    def listen_success(self, port):
        if not self.ports:
            self._guard_reads()
            # The heartbeat and the other instances' asks, on daphne's asyncio loop once it runs.
            reactor.callWhenRunning(lambda: asyncio.ensure_future(instances.keep_alive()))
        self.ports.append(port)
        super().listen_success(port)

    def _guard_reads(self):
        factory = self.http_factory
        factory.timeOut = settings.CLAUDE_PROXY_CLIENT_IDLE_SECONDS  # Twisted pauses it during a response
        build = factory.buildProtocol

        def build_protocol(address):
            protocol = build(address)
            if protocol is not None:
                protocol.requestFactory = EnvelopeErrorRequest
                # Twisted wraps the HTTP channel in a protocol that can switch to HTTP/2.
                self._track_reads(getattr(protocol, "_channel", protocol))
            return protocol

        factory.buildProtocol = build_protocol
        task.LoopingCall(self._close_slow_readers).start(1.0, now=False)

    def _track_reads(self, channel):
        """Note when a request began to arrive, until the whole of it has."""
        received = channel.dataReceived
        channel.reading_since = None

        def data_received(data):
            if not channel._handlingRequest and channel.reading_since is None:
                channel.reading_since = time.monotonic()
            received(data)
            if channel._handlingRequest:
                channel.reading_since = None

        channel.dataReceived = data_received
        self._channels.add(channel)

    def _close_slow_readers(self):
        limit = time.monotonic() - settings.CLAUDE_PROXY_REQUEST_READ_SECONDS
        for channel in list(self._channels):
            if channel.reading_since is not None and channel.reading_since < limit and channel.transport:
                log.info("closing a connection that took too long to send its request")
                channel.transport.abortConnection()
                channel.reading_since = None

    def _on_signal(self, number, frame):
        if self._stopping:
            reactor.callFromThread(self.stop)
            return
        self._stopping = True
        # At once: with a signal to the whole group the CLIs die now too, and their
        # turns must end as shut down, not as failed.
        runtimes.closing = True
        reactor.callFromThread(lambda: asyncio.ensure_future(self._shut_down()))

    async def _shut_down(self):
        log.info("shutting down")
        deadline = time.monotonic() + settings.CLAUDE_PROXY_SHUTDOWN_SECONDS
        for port in self.ports:
            port.stopListening()
        try:
            await runtimes.shut_down(settings.CLAUDE_PROXY_SHUTDOWN_SECONDS)
            # Each request writes its log row once its response has ended.
            requests = [c["application_instance"] for c in list(self.connections.values()) if c.get("application_instance")]
            if pending := [request for request in requests if not request.done()]:
                await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
        finally:
            self.stop()
