"""Who may use the API and /metrics: the keys in the database (sessions_admin.api_keys,
one per person or tool) and CLAUDE_PROXY_API_KEY, one more key. With neither, the proxy
is open, as it is on loopback by default."""

import hmac
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings

from proxy_project.endpoints import api_prefixes
from sessions_admin.api_keys import ApiKey

from .claude.options import cli_model
from .errors import ApiError
from .middleware import AsyncMiddleware
from .wire import edge_errors

# /metrics is open like /health unless a key is set: then it takes the key as /v1/* does.
PROTECTED_PREFIXES = (*api_prefixes(), "/metrics")
WRONG_KEY = ApiError(401, "authentication_error", "Invalid or missing API key (x-api-key or Authorization: Bearer)")
# The name a request admitted by CLAUDE_PROXY_API_KEY is logged under.
SHARED_KEY = "CLAUDE_PROXY_API_KEY"
# What a request names when no key is configured at all.
NO_KEY = ""


def presented_key(request):
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@dataclass(frozen=True)
class Admission:
    """The key a request came with (a row's name, SHARED_KEY, or NO_KEY) and what it may use."""

    key: str
    extra_usage: str  # "allow" or "never": may extra usage serve it once a plan window is spent
    # The Claude logins it may use, in order (None: every one), and whether its
    # conversations move to the next one when their own is refused.
    logins: list | None = None
    fallback: bool = False
    # The model families (opus, sonnet, haiku) it may ask for; None: every one.
    model_families: tuple | None = None

    def check_model(self, model):
        """A 403 for a model outside the key's families, before any CLI starts."""
        if self.model_families is not None and (family := cli_model(model)) not in self.model_families:
            allowed = ", ".join(self.model_families)
            raise ApiError(403, "permission_error", f"model: this API key may not use {family} models, only {allowed}")


def admitted_key(presented):
    """The Admission of a request presenting `presented`: a row's key, the shared one, or
    NO_KEY when none is configured (no setting, no row, revoked or not); None when it is
    refused. At most two reads by index, and nothing kept here: a key revoked on any
    instance is refused on every one at once."""
    expected = settings.CLAUDE_PROXY_API_KEY
    if expected and presented and hmac.compare_digest(presented.encode(), expected.encode()):
        return operators(SHARED_KEY)
    if presented and (key := ApiKey.objects.admitting(presented)) is not None:
        key.note_use()
        extra_usage = key.extra_usage or settings.CLAUDE_PROXY_EXTRA_USAGE
        families = tuple(key.model_families) or None
        return Admission(key.name, extra_usage, key.usable_logins(), key.fallback, families)
    # A revoked key still counts: revoking the last key must not open the proxy.
    if expected or ApiKey.objects.exists():
        return None
    return operators(NO_KEY)


def operators(key):
    """The Admission of the operator's own key, or of an open proxy: every login, and the
    settings' say on extra usage and fallback."""
    return Admission(key, settings.CLAUDE_PROXY_EXTRA_USAGE, None, settings.CLAUDE_PROXY_LOGIN_FALLBACK)


def admission_of(request):
    """What the request's key allows; on a path the middleware skips, the open proxy's."""
    if (admission := getattr(request, "admission", None)) is not None:
        return admission
    return operators(NO_KEY)


class ApiKeyMiddleware(AsyncMiddleware):
    """Refuses the protected paths without a key the proxy knows; health stays open. The
    request (and its log row) names the key it came with."""

    async def __call__(self, request):
        if request.path.startswith(PROTECTED_PREFIXES):
            # Its connection given back at once: on PostgreSQL a burst would drain the pool.
            admission = await database_sync_to_async(admitted_key)(presented_key(request))
            record = getattr(request, "record", None)
            if admission is None:
                if record:
                    record.fail(WRONG_KEY)
                return edge_errors.render(request, WRONG_KEY)
            request.api_key, request.admission = admission.key, admission
            if record:
                record.api_key = admission.key
        return await self.get_response(request)
