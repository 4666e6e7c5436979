"""Every request to the proxy is written to the request log, streamed ones when they end.

The log row is completed here, after the response: from the request's turn, once that
turn has ended (`ClientTurn.end`, which a response dropped unread has not reached), and
from the response itself.
"""

import asyncio
import logging
import re
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings

from sessions_admin.models import RequestLog

from . import activity, metrics
from .middleware import AsyncMiddleware

log = logging.getLogger("claude_proxy.requests")

# The admin is not the API; health probes, scrapes and status bars' reads of the usage
# windows would drown the log, and so would a browser's visit to the root and its
# favicon. A client POSTing to / has a wrong base URL: that one is logged.
UNLOGGED_PREFIXES = (
    "/admin/", "/static/", "/health", "/livez", "/readyz", "/metrics", "/v1/usage", "/favicon.ico",
)  # fmt: skip
UNLOGGED_VISITS = ("/",)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ENDPOINT_CHARS = 200
CLIENT_CLOSED_STATUS = 499
CLIENT_CHARS = 100


def _ms_since(started):
    return round((time.monotonic() - started) * 1000)


@dataclass
class RequestRecord:
    """What is known about one request so far; saved once when its response is done."""

    request_id: str
    method: str
    endpoint: str
    started: float = field(default_factory=time.monotonic)
    model: str = ""
    stream: bool | None = None
    status: int | None = None
    error_type: str = ""
    error_message: str = ""
    stderr_tail: str = ""
    claude_session_id: str = ""
    client: str = ""
    queue_wait_ms: int | None = None
    ttfb_ms: int | None = None
    duration_ms: int | None = None
    usage: dict = field(default_factory=dict)
    tool_calls: list = field(default_factory=list)
    tool_results: list = field(default_factory=list)
    outcome: str = ""
    lineage: str = ""
    usage_window: str = ""
    usage_status: str = ""
    # The name of the API key the request came with (api_key.admitted_key).
    api_key: str = ""
    claude_login: str = ""  # the Claude login its turn ran on
    extra_usage: bool = False  # served from the account's extra usage
    # The turn answering this request (client_turn.ClientTurn), once one has started.
    turn: object = None

    @classmethod
    def begin(cls, request):
        given = request.headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else f"req_{uuid.uuid4().hex}"
        # Bounded as the column is: a megabyte of path is not worth logging three times.
        # The User-Agent's first product names the client: "opencode/1.18.33 ai-sdk/…" is opencode/1.18.33.
        client = next(iter(request.headers.get("user-agent", "").split()), "")[:CLIENT_CHARS]
        return cls(
            request_id=request_id, method=request.method[:10], endpoint=request.path[:ENDPOINT_CHARS], client=client
        )

    def describe(self, params):
        """The request was understood: say what it asks for."""
        self.model, self.stream = params.model, params.stream
        activity.announce("start", self)
        if settings.CLAUDE_PROXY_LOG_PROMPTS:
            log.info("request_id=%s prompt=%s", self.request_id, params.model_dump_json(include={"system", "messages"}))

    def follow(self, turn):
        """The turn answering this request: its row is completed from the turn's report."""
        self.turn = turn

    def first_byte(self):
        if self.ttfb_ms is None:
            self.ttfb_ms = _ms_since(self.started)
            activity.announce("first_token", self)

    def fail(self, error, stderr=""):
        self.status = error.status
        self.error_type = error.error_type
        self.error_message = error.message
        self.stderr_tail = stderr
        if error.window:
            self.usage_window, self.usage_status = error.window, "rejected"
        self.claude_login = self.claude_login or error.login

    def take(self, outcome):
        """What the request's turn stated when it ended (a client_turn.Outcome)."""
        self.outcome, self.lineage = outcome.kind, outcome.lineage
        self.claude_login = outcome.login
        self.usage_window, self.usage_status = outcome.usage_window, outcome.usage_status
        # The CLI says so when a spent plan window left the answer to extra usage.
        self.extra_usage = bool((outcome.rate_limit or {}).get("isUsingOverage"))
        self.claude_session_id = outcome.claude_session_id or self.claude_session_id
        self.queue_wait_ms = outcome.queue_wait_ms
        self.usage = outcome.usage or {}
        self.tool_calls = [*outcome.tool_calls, *({**call, "internal": True} for call in outcome.internal_calls)]
        self.tool_results = list(outcome.tool_results)
        if outcome.error is not None:
            self.fail(outcome.error, outcome.stderr)

    async def save(self):
        if self.turn is not None:
            self.take(await self.turn.end())
        self.duration_ms = _ms_since(self.started)
        activity.announce("error" if self.error_type else "end", self)
        metrics.observe(self)
        await RequestLog.objects.arecord(self)


class RequestLogMiddleware(AsyncMiddleware):
    """Gives each request a RequestRecord (request.record) and saves it at the end."""

    async def __call__(self, request):
        visit = request.method in ("GET", "HEAD") and request.path in UNLOGGED_VISITS
        if visit or request.path.startswith(UNLOGGED_PREFIXES):
            return await self.get_response(request)
        record = request.record = RequestRecord.begin(request)
        try:
            response = await self.get_response(request)
        except asyncio.CancelledError:
            # The client left before the answer began: its turn still ends, its row is written.
            record.status = record.status or CLIENT_CLOSED_STATUS
            await asyncio.shield(record.save())
            raise
        response["x-request-id"] = record.request_id
        response["request-id"] = record.request_id  # the header the anthropic SDK reads
        if record.status is None:
            record.status = response.status_code
        if response.streaming:
            response.streaming_content = self._save_after(response.streaming_content, record)
        else:
            await record.save()
            if record.claude_session_id and "X-Claude-Session-ID" not in response:
                response["X-Claude-Session-ID"] = record.claude_session_id
        return response

    async def _save_after(self, content, record):
        try:
            async for chunk in content:
                yield chunk
        finally:
            # A client that hangs up as the stream ends (Codex does, at response.completed)
            # cancels this task, maybe while the row waits for the database: it is written all the same.
            await asyncio.shield(record.save())
