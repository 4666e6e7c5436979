"""Errors in the Anthropic envelope, and the one place CLI failures are classified."""

import re
from dataclasses import dataclass

from claude_agent_sdk import CLIConnectionError, CLINotFoundError, ProcessError
from django.http import JsonResponse
from django.utils import timezone

from sessions_admin.usage_windows import CREDITS_REQUIRED, from_timestamp, window_label

from .claude.options import cli_is_there, cli_not_found, cli_path


class ApiError(Exception):
    """An error the client receives as {"type": "error", "error": {...}} with `status`."""

    def __init__(self, status, error_type, message, retry_after=None, window="", login=""):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.retry_after = retry_after  # seconds, sent as `retry-after` with the error
        self.window = window  # the subscription window that refused the request, for its log
        self.login = login  # the Claude login whose window it is, when known before the turn

    def envelope(self):
        return {"type": "error", "error": {"type": self.error_type, "message": self.message}}

    def response(self):
        return JsonResponse(self.envelope(), status=self.status)

    def __repr__(self):
        return f"ApiError({self.status}, {self.error_type!r}, {self.message!r})"


SHUTTING_DOWN = ApiError(503, "overloaded_error", "The server is shutting down; retry in a moment")
TURN_BUSY_ELSEWHERE = ApiError(
    503, "overloaded_error", "This conversation is still answering on another instance; retry when it is done", retry_after=5
)
TURN_LOST = ApiError(
    503, "overloaded_error", "Another instance took this conversation's turn over; its answer is the one kept", retry_after=1
)


# Structured outputs the model did not give: it answered in prose after the CLI's one
# reminder, or its objects failed the schema on each of the CLI's five tries (the CLI's
# words then say so: STRUCTURED_OUTPUT_FAILED). The model's failure, not the server's.
NO_STRUCTURED_OUTPUT = ApiError(502, "api_error", "Claude gave no answer matching the request's JSON schema; retry or loosen the schema")
STRUCTURED_OUTPUT_FAILED = "Failed to provide valid structured output"

# A 429 the CLI reports without naming a window (a throttle, an API key's rate limit)
# carries no reset the proxy can read: the CLI keeps the upstream's `retry-after` to
# itself. The API always sends one on a 429 and clients wait on it, so this stands in.
RATE_LIMIT_RETRY_AFTER = 30


def invalid_request(message):
    return ApiError(400, "invalid_request_error", message)


@dataclass
class Failure:
    """Everything known about why a turn on the CLI failed; `classify` reads it."""

    exception: BaseException | None = None
    exit_code: int | None = None
    stderr: str = ""
    assistant_error: str | None = None  # AssistantMessage.error
    api_error_status: int | None = None  # ResultMessage.api_error_status
    retry_error: str | None = None  # SystemMessage(api_retry).data["error"]
    text: str = ""  # the CLI's own words: the result text or the exception message
    timed_out: bool = False
    rate_limit: dict | None = None  # the turn's latest RateLimitEvent, its raw dict


def limit_reached(window, resets_at, words="", now=None, login=""):
    """429 for a spent subscription window (the CLI's rateLimitType), `retry-after` the
    seconds to its reset; the CLI's own words when it said them."""
    now = now or timezone.now()
    retry_after = max(1, round((resets_at - now).total_seconds())) if resets_at else None
    if not words:
        when = f"; it resets at {resets_at:%Y-%m-%d %H:%M} UTC" if resets_at else ""
        words = f"The Claude subscription's {window_label(window)} limit is reached{when}"
    return ApiError(429, "rate_limit_error", words, retry_after=retry_after, window=window, login=login)


# How Claude Code words a refusal that only extra usage could have served (its 2.1.332
# strings, and the words people report): no wait lifts it, so it is no 429.
EXTRA_USAGE_ONLY = (
    "You're out of extra usage",
    "Your seat type doesn't include extra usage",
    "requires usage credits",
    "Third-party apps now draw from your extra usage",
)


def refused(limit, words=""):
    """The subscription refused the turn (a RateLimitEvent's raw dict, status rejected).
    A refusal only extra usage could have served is a billing matter, as the API says it."""
    in_its_words = any(text in words for text in EXTRA_USAGE_ONLY)
    if limit.get("errorCode") == CREDITS_REQUIRED or in_its_words:
        reason = limit.get("overageDisabledReason")
        because = f" ({reason})" if reason else ""
        said = f": {words}" if in_its_words else ""
        return ApiError(402, "billing_error", f"This request needs extra usage, which the account cannot draw from{because}{said}")
    return limit_reached(limit.get("rateLimitType") or "", from_timestamp(limit.get("resetsAt")), words)


def login_hint():
    """How to sign Claude Code in: the bundled CLI has `auth login`, not `login`."""
    return f"Run `python manage.py claude_login` in the proxy's folder (that is `{cli_path()} auth login`), then retry."


def _auth():
    return ApiError(401, "authentication_error", f"Claude Code is not signed in or its login expired. {login_hint()}")


# Where the upstream is, as the CLI's words may name it: a URL, or a host with its port.
UPSTREAM_ADDRESS = re.compile(
    r"\bhttps?://[^\s\"'()<>]+|(?:\b(?:\d{1,3}\.){3}\d{1,3}|\[[0-9A-Fa-f:.]+\]|\blocalhost|\b[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})(?::\d{1,5})\b"
)


def for_the_client(text):
    """The CLI's words as a client may read them. The client has no business with the
    server's install paths (but for a missing CLI's: /readyz names it too, and the
    operator must fix it), nor with where its upstream is."""
    return UPSTREAM_ADDRESS.sub("the upstream", text.replace(str(cli_path()), "claude"))


def first_meaningful_line(text):
    """The line of the CLI's stderr that says what went wrong: the first with words."""
    return next((line.strip() for line in text.splitlines() if any(char.isalpha() for char in line)), "")


def _with_detail(message, failure):
    return f"{message} ({failure.text})" if failure.text else message


def _from_status(status, failure):
    if status in (401, 403):
        return _auth()
    if status == 402:
        return ApiError(402, "billing_error", _with_detail("The Claude subscription has a billing problem", failure))
    if status == 429:
        words = _with_detail("Claude usage limit reached; wait and retry", failure)
        return ApiError(429, "rate_limit_error", words, retry_after=RATE_LIMIT_RETRY_AFTER)
    if status in (503, 529):
        # As the real API answers: clients raise their overloaded error on a 529.
        return ApiError(status, "overloaded_error", _with_detail("Claude is overloaded; retry in a few seconds", failure))
    if status in (400, 413):
        return ApiError(400, "invalid_request_error", failure.text or "The request was rejected upstream")
    if status == 504:
        return ApiError(504, "timeout_error", _with_detail("The upstream API timed out", failure))
    if status >= 500:
        return ApiError(502, "api_error", _with_detail("The Claude API returned a server error", failure))
    return None


# AssistantMessage.error and api_retry's error name the cause without a status.
_NAMED_CAUSES = {
    "authentication_failed": 401,
    "billing_error": 402,
    "rate_limit": 429,
    "overloaded": 529,
    "invalid_request": 400,
    "server_error": 500,
}

# The last resort: the seed's text rules, in its order.
_TEXT_RULES = (
    (("401", "authentication", "invalid auth", "credentials", "not logged in", "invalid api key", "/login"), 401),
    (("429", "rate limit", "too many requests"), 429),
    (("402", "billing", "payment"), 402),
    (("timeout", "timed out"), 504),
    (("503", "529", "overloaded"), 529),
    (("500", "server error", "internal error"), 500),
)


def classify(failure):
    """Turn a CLI failure into the ApiError the client gets.

    Structured signals first (timeout, HTTP status of the failing call, the named
    cause, exception type and exit code), text matching last.
    """
    failure.text = for_the_client(failure.text)
    if failure.timed_out:
        return ApiError(504, "timeout_error", "Claude Code did not answer in time")
    if failure.rate_limit and failure.rate_limit.get("status") == "rejected":
        return refused(failure.rate_limit, failure.text)
    if failure.api_error_status and (error := _from_status(failure.api_error_status, failure)):
        return error
    if failure.text.startswith(STRUCTURED_OUTPUT_FAILED):
        return ApiError(502, "api_error", failure.text)
    for cause in (failure.assistant_error, failure.retry_error):
        if cause in _NAMED_CAUSES:
            return _from_status(_NAMED_CAUSES[cause], failure)

    exception = failure.exception
    # A missing CLI (or one not executable, which the SDK reports as a failed start) is
    # no crash: the server cannot answer until it is there, as /readyz and /health say
    # too. 503 with `api_error`, the type the API gives its 5xx other than 529.
    if isinstance(exception, CLINotFoundError) or (isinstance(exception, CLIConnectionError) and not cli_is_there()):
        return ApiError(503, "api_error", cli_not_found())
    exit_code = failure.exit_code
    if exit_code is None and isinstance(exception, ProcessError):
        exit_code = exception.exit_code

    lower = f"{failure.text}\n{failure.stderr}".lower()
    for needles, status in _TEXT_RULES:
        if any(needle in lower for needle in needles):
            return _from_status(status, failure)

    if exit_code is not None:
        # Not a guess at the cause: what the CLI said, if it said anything.
        said = for_the_client(first_meaningful_line(failure.stderr))
        reason = f": {said}" if said else ""
        return ApiError(502, "api_error", f"Claude Code exited unexpectedly (exit code {exit_code}){reason}")
    if isinstance(exception, CLIConnectionError):
        return ApiError(502, "api_error", _with_detail("Could not talk to Claude Code", failure))
    return ApiError(500, "api_error", failure.text or "Claude Code failed without saying why")
