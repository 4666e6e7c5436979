"""classify: every way a turn on the CLI can fail becomes one Anthropic error."""

import pytest
from claude_agent_sdk import CLIConnectionError, CLINotFoundError, ProcessError

from messages_api.claude.options import cli_path
from messages_api.errors import ApiError, Failure, classify

AUTH = (
    "Claude Code is not signed in or its login expired. Run `python manage.py claude_login` in the proxy's folder "
    f"(that is `{cli_path()} auth login`), then retry."
)
BILLING = "The Claude subscription has a billing problem"
RATE_LIMIT = "Claude usage limit reached; wait and retry"
SERVER = "The Claude API returned a server error"
OVERLOADED = "Claude is overloaded; retry in a few seconds"
REJECTED = "The request was rejected upstream"

CASES = [
    # The HTTP status of the failing upstream call.
    pytest.param(Failure(api_error_status=401), 401, "authentication_error", AUTH, id="status-401"),
    pytest.param(Failure(api_error_status=403), 401, "authentication_error", AUTH, id="status-403"),
    pytest.param(Failure(api_error_status=402), 402, "billing_error", BILLING, id="status-402"),
    pytest.param(Failure(api_error_status=402, text="card declined"), 402, "billing_error", f"{BILLING} (card declined)", id="status-402-with-text"),
    pytest.param(Failure(api_error_status=429), 429, "rate_limit_error", RATE_LIMIT, id="status-429"),
    pytest.param(Failure(api_error_status=500), 502, "api_error", SERVER, id="status-500"),
    pytest.param(Failure(api_error_status=502), 502, "api_error", SERVER, id="status-502"),
    pytest.param(Failure(api_error_status=503), 503, "overloaded_error", OVERLOADED, id="status-503"),
    pytest.param(Failure(api_error_status=529), 529, "overloaded_error", OVERLOADED, id="status-529"),
    pytest.param(Failure(api_error_status=504), 504, "timeout_error", "The upstream API timed out", id="status-504"),
    pytest.param(Failure(api_error_status=400), 400, "invalid_request_error", REJECTED, id="status-400"),
    pytest.param(Failure(api_error_status=400, text="prompt is too long"), 400, "invalid_request_error", "prompt is too long", id="status-400-with-text"),
    pytest.param(Failure(api_error_status=413), 400, "invalid_request_error", REJECTED, id="status-413"),
    # The cause AssistantMessage.error names.
    pytest.param(Failure(assistant_error="authentication_failed"), 401, "authentication_error", AUTH, id="assistant-authentication-failed"),
    pytest.param(Failure(assistant_error="rate_limit"), 429, "rate_limit_error", RATE_LIMIT, id="assistant-rate-limit"),
    pytest.param(Failure(assistant_error="billing_error"), 402, "billing_error", BILLING, id="assistant-billing-error"),
    pytest.param(Failure(assistant_error="server_error"), 502, "api_error", SERVER, id="assistant-server-error"),
    pytest.param(Failure(assistant_error="overloaded"), 529, "overloaded_error", OVERLOADED, id="assistant-overloaded"),
    pytest.param(Failure(assistant_error="invalid_request"), 400, "invalid_request_error", REJECTED, id="assistant-invalid-request"),
    # The cause an api_retry system message names.
    pytest.param(Failure(retry_error="authentication_failed"), 401, "authentication_error", AUTH, id="retry-authentication-failed"),
    pytest.param(Failure(retry_error="rate_limit"), 429, "rate_limit_error", RATE_LIMIT, id="retry-rate-limit"),
    pytest.param(Failure(retry_error="billing_error"), 402, "billing_error", BILLING, id="retry-billing-error"),
    pytest.param(Failure(retry_error="server_error"), 502, "api_error", SERVER, id="retry-server-error"),
    # Our own timeout.
    pytest.param(Failure(timed_out=True), 504, "timeout_error", "Claude Code did not answer in time", id="timed-out"),
    pytest.param(Failure(timed_out=True, api_error_status=429), 504, "timeout_error", "Claude Code did not answer in time", id="timed-out-beats-status"),
    # Structured signals beat the text.
    pytest.param(
        Failure(api_error_status=429, text="authentication failed"),
        429,
        "rate_limit_error",
        f"{RATE_LIMIT} (authentication failed)",
        id="status-beats-text",
    ),
    pytest.param(
        Failure(assistant_error="rate_limit", text="Request timed out"), 429, "rate_limit_error", f"{RATE_LIMIT} (Request timed out)", id="cause-beats-text"
    ),
    pytest.param(Failure(api_error_status=402, assistant_error="rate_limit"), 402, "billing_error", BILLING, id="status-beats-cause"),
    # Exception type and exit code.
    pytest.param(Failure(exception=ProcessError("x", exit_code=1)), 502, "api_error", "Claude Code exited unexpectedly (exit code 1)", id="process-error-exit-1"),
    pytest.param(
        Failure(exit_code=1, stderr="\n  \nError: --dangerously-skip-permissions cannot be used with root\n    at main (cli.js:1)"),
        502,
        "api_error",
        "Claude Code exited unexpectedly (exit code 1): Error: --dangerously-skip-permissions cannot be used with root",
        id="exit-code-1-says-why",
    ),
    pytest.param(
        Failure(exception=ProcessError("x", exit_code=2)), 502, "api_error", "Claude Code exited unexpectedly (exit code 2)", id="process-error-exit-2"
    ),
    pytest.param(Failure(exit_code=137), 502, "api_error", "Claude Code exited unexpectedly (exit code 137)", id="exit-code-137"),
    pytest.param(
        Failure(exception=ProcessError("x", exit_code=1), text="Request timed out"),
        504,
        "timeout_error",
        "The upstream API timed out (Request timed out)",
        id="text-beats-exit-code",
    ),
    pytest.param(
        Failure(exception=CLINotFoundError()), 503, "api_error", f"Claude Code CLI not found at {cli_path()}", id="cli-not-found"
    ),
    pytest.param(
        Failure(exception=CLIConnectionError("boom"), text="boom"), 502, "api_error", "Could not talk to Claude Code (boom)", id="cli-connection-error"
    ),
    # The CLI's words, last.
    pytest.param(Failure(text="Request timed out"), 504, "timeout_error", "The upstream API timed out (Request timed out)", id="text-timed-out"),
    pytest.param(
        Failure(text="API Error: overloaded"), 529, "overloaded_error", f"{OVERLOADED} (API Error: overloaded)", id="text-overloaded"
    ),
    pytest.param(
        Failure(text="Too many requests"), 429, "rate_limit_error", f"{RATE_LIMIT} (Too many requests)", id="text-too-many-requests"
    ),
    pytest.param(Failure(stderr="Not logged in"), 401, "authentication_error", AUTH, id="stderr-not-logged-in"),
    pytest.param(Failure(text="Invalid API key · Please run /login"), 401, "authentication_error", AUTH, id="text-run-login"),
    pytest.param(Failure(text="something odd"), 500, "api_error", "something odd", id="unknown-text"),
    pytest.param(Failure(), 500, "api_error", "Claude Code failed without saying why", id="nothing-known"),
    pytest.param(Failure(api_error_status=404), 500, "api_error", "Claude Code failed without saying why", id="unmapped-status"),
]


@pytest.mark.parametrize(("failure", "status", "error_type", "message"), CASES)
def test_it_classifies_a_failure_as_one_anthropic_error(failure, status, error_type, message):
    error = classify(failure)

    assert isinstance(error, ApiError)
    assert (error.status, error.error_type, error.message) == (status, error_type, message)


@pytest.mark.parametrize(
    "failure",
    [
        Failure(api_error_status=401),
        Failure(api_error_status=403),
        Failure(assistant_error="authentication_failed"),
        Failure(text="Not logged in · Please run /login"),
    ],
)
def test_it_names_the_real_login_command_when_auth_fails(failure):
    error = classify(failure)

    assert error.status == 401
    assert f"{cli_path()} auth login" in error.message
    assert "manage.py claude_login" in error.message


def test_it_puts_the_error_in_the_anthropic_envelope():
    error = classify(Failure(api_error_status=429))

    assert error.envelope() == {"type": "error", "error": {"type": "rate_limit_error", "message": RATE_LIMIT}}


@pytest.mark.parametrize(
    "failure", [Failure(api_error_status=429), Failure(assistant_error="rate_limit"), Failure(text="Too many requests")], ids=["status", "cause", "text"]
)
def test_it_says_when_to_come_back_after_a_rate_limit_naming_no_window(failure):
    assert classify(failure).retry_after == 30


def test_it_says_nothing_of_coming_back_after_other_errors():
    assert [classify(Failure(api_error_status=status)).retry_after for status in (401, 402, 500, 529)] == [None] * 4


@pytest.mark.parametrize(
    "words, said",
    [
        ("Unable to connect to API (ECONNREFUSED 127.0.0.1:8443)", "Unable to connect to API (ECONNREFUSED the upstream)"),
        ("Request to http://10.0.0.7:4000/v1/messages failed", "Request to the upstream failed"),
        ("connect ETIMEDOUT [::1]:443", "connect ETIMEDOUT the upstream"),
        ("getaddrinfo ENOTFOUND llm-gateway.internal.example:8080", "getaddrinfo ENOTFOUND the upstream"),
        ("socket hang up at localhost:3000", "socket hang up at the upstream"),
        ("Request timed out after 10:30 minutes", "Request timed out after 10:30 minutes"),
        ("Error 529: overloaded", "Error 529: overloaded"),
    ],
    ids=["ipv4", "url", "ipv6", "hostname", "localhost", "a-time", "a-status"],
)
def test_it_keeps_where_the_upstream_is_from_the_client(words, said):
    assert classify(Failure(api_error_status=500, text=words)).message == f"The Claude API returned a server error ({said})"
