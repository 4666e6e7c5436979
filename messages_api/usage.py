"""The subscriptions' usage windows as a request meets them: the login its turn runs on
(read, then route), a refusal answered at once while its windows are spent, and the
headers clients read.

The state is the database's (sessions_admin.usage_windows.UsageWindow), so every
instance and a restarted server know a spent window; a turn's own RateLimitEvent
updates it when the turn ends (conversations.HeldConversation.end).
"""

from channels.db import database_sync_to_async
from django.utils import timezone

from sessions_admin.logins import ClaudeLogin, choose, email_in
from sessions_admin.usage_windows import (
    HEADER_SUFFIXES,
    WINDOW_MINUTES,
    UsageWindow,
    deciding,
    in_order,
    windows_from_event,
)

from .errors import ApiError, limit_reached


def login_not_allowed(name):
    return ApiError(403, "permission_error", f"This API key may not use the Claude login {name!r} (x-claude-login)")


NO_LOGIN = ApiError(403, "permission_error", "None of the Claude logins this API key may use is set up on this proxy")


async def read(ask):
    """The logins `ask` may use (ask.logins; None: every one) as names, narrowed to the
    one its x-claude-login header picks (ask.picked_login), and their windows: one read
    each, their connection given back at once."""
    ask.logins, ask.login_windows = await database_sync_to_async(_read)(ask.logins)
    if ask.picked_login:
        if ask.picked_login not in ask.logins:
            raise login_not_allowed(ask.picked_login)
        ask.logins = [ask.picked_login]


def _read(names):
    known = ClaudeLogin.objects.names()
    names = known if names is None else [name for name in names if name in known]
    return names, in_order(UsageWindow.objects.filter(login__in=names))


def route(ask, current=""):
    """Set the login the turn runs on (ask.login) and its windows (ask.windows), for a
    conversation on login `current` ("": a new one). Refused, the API's 429 at once,
    without starting a CLI: while every window that meters its model is spent and its
    reset ahead (unless extra usage serves it and the request may use extra usage)."""
    now = timezone.now()
    name, window = choose(
        ask.logins, ask.login_windows, ask.params.model, now,
        current=current, fallback=ask.fallback, extra_usage=ask.extra_usage,
    )  # fmt: skip
    if name is None:
        if window is None:
            raise NO_LOGIN
        raise limit_reached(window.window, window.resets_at, now=now, login=window.login)
    ask.login, ask.windows = name, [window for window in ask.login_windows if window.login == name]


async def logins_report(names=None):
    """report() of the logins `names` (None: every one), read in one go (its connection
    given back at once: the live page reads them outside any request)."""
    return await database_sync_to_async(_logins_report)(names)


def _logins_report(names):
    logins = ClaudeLogin.objects.all() if names is None else ClaudeLogin.objects.filter(name__in=names)
    logins = sorted(logins, key=lambda login: names.index(login.name)) if names is not None else list(logins)
    return report(logins, in_order(UsageWindow.objects.filter(login__in=[login.name for login in logins])))


def after_turn(windows, raw, login):
    """`windows` (of `login`) updated by a turn's RateLimitEvent (its raw dict), without saving."""
    if not raw:
        return list(windows)
    reported = windows_from_event(raw)
    kept = [window for window in windows if window.window not in reported]
    return kept + [UsageWindow(login=login, window=name, **state) for name, state in reported.items()]


def anthropic_headers(windows, now=None):
    """The `anthropic-ratelimit-unified-*` headers the real API gives a subscription client."""
    now = now or timezone.now()
    headers = {}
    if (decided := deciding(windows, now)) is not None:
        headers["anthropic-ratelimit-unified-status"] = decided.status
        headers["anthropic-ratelimit-unified-representative-claim"] = decided.window
        if decided.resets_at:
            headers["anthropic-ratelimit-unified-reset"] = str(int(decided.resets_at.timestamp()))
    for window in windows:
        if window.has_reset(now):
            continue
        prefix = f"anthropic-ratelimit-unified-{HEADER_SUFFIXES.get(window.window, window.window)}"
        headers[f"{prefix}-status"] = window.status
        if window.utilization is not None:
            headers[f"{prefix}-utilization"] = f"{window.utilization:g}"
        if window.resets_at:
            headers[f"{prefix}-reset"] = str(int(window.resets_at.timestamp()))
        if window.disabled_reason:
            headers[f"{prefix}-disabled-reason"] = window.disabled_reason
    return headers


# What Codex CLI reads on every response: the five-hour window as its primary, the weekly
# one as its secondary (used percent 0–100, the window's length, the reset in Unix seconds).
CODEX_WINDOWS = (("primary", "five_hour"), ("secondary", "seven_day"))


def codex_headers(windows, now=None):
    now = now or timezone.now()
    by_name = {window.window: window for window in windows if not window.has_reset(now)}
    headers = {}
    for slot, name in CODEX_WINDOWS:
        if (window := by_name.get(name)) is None or window.utilization is None:
            continue
        headers[f"x-codex-{slot}-used-percent"] = f"{window.utilization * 100:g}"
        headers[f"x-codex-{slot}-window-minutes"] = str(WINDOW_MINUTES[name])
        if window.resets_at:
            headers[f"x-codex-{slot}-reset-at"] = str(int(window.resets_at.timestamp()))
    return headers


def report(logins, windows, now=None):
    """The windows as JSON for scripts, status bars and the admin (GET /v1/usage): each of
    `logins` (ClaudeLogins) with its own; the first one's at the top too, as a single
    login's were before there were several."""
    now = now or timezone.now()
    described = [
        {"login": login.name, "email": login.email or email_in(login.name), "windows": _windows_json(
            [window for window in windows if window.login == login.name], now
        )}
        for login in logins
    ]  # fmt: skip
    first = described[0] if described else {"login": "", "email": "", "windows": []}
    return {**first, "logins": described}


def _windows_json(windows, now):
    return [
        {
            "window": window.window,
            "label": window.label,
            "status": window.status,
            "utilization": window.utilization,
            "resets_at": window.resets_at and window.resets_at.isoformat(),
            "resets_in_seconds": window.seconds_to_reset(now),
            "has_reset": window.has_reset(now),
            "disabled_reason": window.disabled_reason,
            "observed_at": window.observed_at.isoformat(),
        }
        for window in windows
    ]
