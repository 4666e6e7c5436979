"""The subscription's usage windows as a request meets them: the state known before its
turn, a refusal answered at once while a window is spent, and the headers clients read.

The state is the database's (sessions_admin.usage_windows.UsageWindow), so every
instance and a restarted server know a spent window; a turn's own RateLimitEvent
updates it when the turn ends (conversations.HeldConversation.end).
"""

import functools
import json
import os
from pathlib import Path

from channels.db import database_sync_to_async
from django.utils import timezone

from sessions_admin.usage_windows import (
    HEADER_SUFFIXES,
    WINDOW_MINUTES,
    UsageWindow,
    deciding,
    in_order,
    refusing,
    windows_from_event,
)

from .errors import limit_reached


@functools.cache
def login():
    """The Claude login the CLI runs on: its account's e-mail where `claude auth login`
    stored one, else "default" (a token in the environment names no account)."""
    config = Path(os.environ.get("CLAUDE_CONFIG_DIR") or Path.home() / ".claude")
    for path in (config / ".claude.json", Path.home() / ".claude.json"):
        try:
            return json.loads(path.read_text())["oauthAccount"]["emailAddress"][:200]
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return "default"


async def current():
    """The login's windows as last reported (its connection given back at once: the live
    page reads them outside any request)."""
    return await database_sync_to_async(_current)()


def _current():
    return in_order(UsageWindow.objects.of_login(login()))


async def check(ask):
    """Read the windows for `ask` (ask.windows); while one that meters its model is spent
    and its reset is ahead, the API's 429 at once, without starting a CLI, unless extra
    usage serves it and the request may use extra usage."""
    ask.windows = await current()
    now = timezone.now()
    if (window := refusing(ask.windows, ask.params.model, now, extra_usage=ask.extra_usage)) is not None:
        raise limit_reached(window.window, window.resets_at, now=now)


def after_turn(windows, raw):
    """`windows` updated by a turn's RateLimitEvent (its raw dict), without saving."""
    if not raw:
        return list(windows)
    reported = windows_from_event(raw)
    kept = [window for window in windows if window.window not in reported]
    return kept + [UsageWindow(login=login(), window=name, **state) for name, state in reported.items()]


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


def report(windows, now=None):
    """The windows as JSON for scripts, status bars and the admin (GET /v1/usage)."""
    now = now or timezone.now()
    return {
        "login": login(),
        "windows": [
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
        ],
    }
