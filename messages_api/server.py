"""Daphne, stopped the way a proxy with open streams must stop.

On SIGTERM or SIGINT: stop accepting connections, end every answer in progress with an
`overloaded_error` event ("server shutting down"), let each request write its log row,
end every CLI process, then stop daphne; all within CLAUDE_PROXY_SHUTDOWN_SECONDS. A
second signal stops at once. Daphne's own handlers would cancel the requests outright:
the client would get a cut stream and the log row would be lost.
"""

import asyncio
import logging
import signal
import time

from daphne.server import Server
from django.conf import settings
from twisted.internet import reactor

from .claude.runtime import runtimes

log = logging.getLogger("claude_proxy.server")


class GracefulServer(Server):
    def __init__(self, **kwargs):
        super().__init__(signal_handlers=False, **kwargs)
        self.ports = []
        self._stopping = False

    def run(self):
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_signal)
        super().run()

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)

    def _on_signal(self, number, frame):
        if self._stopping:
            reactor.callFromThread(self.stop)
            return
        self._stopping = True
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
