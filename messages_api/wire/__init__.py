"""Wire formats, at the edge: each module turns an HTTP request into the engine's Ask
(conversations.Ask) and the engine's events (Anthropic's event shapes, the CLI's own)
into its own response bytes, SSE or JSON, and its errors into its own envelope."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import StreamingHttpResponse

from ..client_turn import PING
from ..errors import ApiError, invalid_request

PING_BYTES = b": ping\n\n"  # an SSE comment: every wire's keep-alive while the model is quiet


def bad(param, message):
    """A 400 naming the field `param` (a path such as messages.2.content.0): in the
    message, as every wire says it, and as `param` for OpenAI's envelope."""
    error = invalid_request(f"{param}: {message}" if param else message)
    error.param = param
    return error


def request_body(request):
    """The request's raw body; one over the size limit is a 400 naming the limit."""
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.CLAUDE_PROXY_MAX_BODY_BYTES
        raise invalid_request(f"body: the request is larger than the limit of {limit} bytes") from None


def api_key_of(request):
    """The name of the API key the request came with (api_key.ApiKeyMiddleware), "" with none."""
    return getattr(request, "api_key", "")


def turn_headers(turn, limits):
    """The Claude session's id, and the subscription's windows the answer was given under
    as the wire's clients read them (`limits`: usage.anthropic_headers or codex_headers)."""
    session = {"X-Claude-Session-ID": turn.claude_session_id} if turn.claude_session_id else {}
    return {**session, **limits(turn.windows)}


def event_stream(turn, record, frames, limits):
    """The streamed answer: an SSE response, unbuffered, with the turn's headers, of the
    bytes `frames` (a wire's Frames) makes of the turn's events."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **turn_headers(turn, limits)}
    return StreamingHttpResponse(_sse(turn, record, frames), content_type="text/event-stream", headers=headers)


class Frames:
    """What a wire makes of a streamed turn, as SSE bytes: the frames before its events,
    for each event, at its end, or in place of that end when it fails."""

    def start(self):
        return []

    def feed(self, event):
        raise NotImplementedError

    async def finish(self):
        return []

    def failed(self, error):
        raise NotImplementedError


async def _sse(turn, record, frames):
    """The one streaming loop of every wire: keep-alives while the model is quiet, each
    event as the wire frames it, then its ending, or its failure."""
    for data in frames.start():
        yield data
    try:
        async for item in timed_events(turn, record):
            if item is PING:
                yield PING_BYTES
                continue
            for data in frames.feed(item):
                yield data
        ending = await frames.finish()
    except ApiError as error:
        ending = frames.failed(error)
    for data in ending:
        yield data


async def timed_events(turn, record):
    """The turn's events (and PING while the CLI is quiet); the first event is the
    answer's first byte in the request's log `record`, whatever the wire makes of it."""
    async for item in turn.events():
        if item is not PING:
            record.first_byte()
        yield item


async def answer(turn, record):
    """The whole answer as one Anthropic message (a non-streaming request)."""
    async for _ in timed_events(turn, record):
        pass
    return turn.reply.result()
