"""Wire formats, at the edge: each module turns an HTTP request into the engine's Ask
(conversations.Ask) and the engine's events (Anthropic's event shapes, the CLI's own)
into its own response bytes, SSE or JSON, and its errors into its own envelope."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from ..errors import invalid_request


def request_body(request):
    """The request's raw body; one over the size limit is a 400 naming the limit."""
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.CLAUDE_PROXY_MAX_BODY_BYTES
        raise invalid_request(f"body: the request is larger than the limit of {limit} bytes") from None
