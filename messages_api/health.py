"""Is the proxy able to answer? Auth from `claude auth status` (cached), DB, CLI."""

import asyncio
import json
import logging
import os
import time

from django.conf import settings
from django.db import connection

from sessions_admin.logins import DEFAULT as DEFAULT_LOGIN
from sessions_admin.logins import login_env

from .claude.options import cli_is_there, cli_not_found, cli_path
from .errors import login_hint
from .server_state import server

log = logging.getLogger("claude_proxy.health")

AUTH_STATUS_TIMEOUT = 15.0


async def login_status(login=DEFAULT_LOGIN):
    """`claude auth status` of a Claude login (sessions_admin.logins) as a dict, or None
    when it cannot tell."""
    try:
        process = await asyncio.create_subprocess_exec(
            str(cli_path()), "auth", "status",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, **login_env(login)},
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(), AUTH_STATUS_TIMEOUT)
        status = json.loads(out)
        return status if isinstance(status, dict) and "loggedIn" in status else None
    except (OSError, ValueError, TimeoutError) as exc:
        log.warning("claude auth status failed: %r", exc)
        return None


async def auth_status():
    if not cli_is_there():
        return None  # nothing to ask, and nothing to cache once the CLI is back
    now = time.monotonic()
    if server.auth_status_at is None or now - server.auth_status_at > settings.CLAUDE_PROXY_AUTH_CACHE_SECONDS:
        server.auth_status, server.auth_status_at = await login_status(), now
    return server.auth_status


def health_report(status):
    """(HTTP status, body) of /health for what `claude auth status` said."""
    if not cli_is_there():
        # What /v1/messages answers then, and why /readyz is 503.
        return 503, {"status": "unhealthy", "error": cli_not_found()}
    if status is None:
        return 200, {"status": "degraded", "error": "Could not verify auth status"}
    if not status.get("loggedIn"):
        error = f"Claude Code is not logged in. {login_hint()}"
        return 503, {"status": "unhealthy", "error": error, "auth": {"loggedIn": False}}
    auth = {"loggedIn": True, "email": status.get("email"), "subscriptionType": status.get("subscriptionType")}
    return 200, {"status": "healthy", "auth": auth, "authMethod": status.get("authMethod")}


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:
        log.warning("database check failed: %r", exc)
        return False


def readiness():
    """(HTTP status, body) of /readyz: the database answers and the CLI is there."""
    checks = {
        "database": "ok" if _database_ok() else "unreachable",
        "cli": "ok" if cli_is_there() else f"not found at {cli_path()}",
    }
    ready = all(value == "ok" for value in checks.values())
    return (200 if ready else 503), {"status": "ready" if ready else "not ready", "checks": checks}
