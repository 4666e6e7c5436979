"""An optional shared key for the API and /metrics (CLAUDE_PROXY_API_KEY)."""

import hmac

from django.conf import settings

from proxy_project.endpoints import api_prefixes

from .errors import ApiError
from .middleware import AsyncMiddleware
from .wire import edge_errors

# /metrics is open like /health unless a key is set: then it takes the key as /v1/* does.
PROTECTED_PREFIXES = (*api_prefixes(), "/metrics")
WRONG_KEY = ApiError(401, "authentication_error", "Invalid or missing API key (x-api-key or Authorization: Bearer)")


def presented_key(request):
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def has_key(request):
    """Whether the request may pass: no key is configured, or it presents that key."""
    expected = settings.CLAUDE_PROXY_API_KEY
    return not expected or hmac.compare_digest(presented_key(request).encode(), expected.encode())


class ApiKeyMiddleware(AsyncMiddleware):
    """Refuses the protected paths without the configured key; health stays open."""

    async def __call__(self, request):
        if request.path.startswith(PROTECTED_PREFIXES) and not has_key(request):
            if record := getattr(request, "record", None):
                record.fail(WRONG_KEY)
            return edge_errors.render(request, WRONG_KEY)
        return await self.get_response(request)
