"""An optional shared key for the API (CLAUDE_PROXY_API_KEY)."""

import hmac

from django.conf import settings

from .errors import ApiError
from .request_log import AsyncMiddleware

PROTECTED_PREFIXES = ("/v1/", "/messages")


def presented_key(request):
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class ApiKeyMiddleware(AsyncMiddleware):
    """Refuses /v1/* and /messages without the configured key; health stays open."""

    async def __call__(self, request):
        expected = settings.CLAUDE_PROXY_API_KEY
        if expected and request.path.startswith(PROTECTED_PREFIXES):
            if not hmac.compare_digest(presented_key(request).encode(), expected.encode()):
                error = ApiError(401, "authentication_error", "Invalid or missing API key (x-api-key or Authorization: Bearer)")
                if record := getattr(request, "record", None):
                    record.fail(error)
                return error.response()
        return await self.get_response(request)
