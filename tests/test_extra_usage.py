"""CLAUDE_PROXY_EXTRA_USAGE and a key's own setting: once a plan window is spent, extra
usage serves the next request only where it is allowed; with `never` that request gets the
window's 429 and its reset, and the request log says which requests extra usage served."""

import httpx
import pytest

from tests.helpers import logged, message_body
from tests.subscription import unified
from tests.upstream import replies

# The upstream's answer once the five-hour window is spent and extra usage serves: the
# unified status is rejected, extra usage's allowed (the CLI then says isUsingOverage).
SERVED_BY_EXTRA_USAGE = unified(
    status="rejected", five_hour=1.0, five_hour_status="rejected", **{"anthropic-ratelimit-unified-overage-status": "allowed"}
)


@pytest.fixture
def subscribed_with(subscribed, start_proxy):
    """Another proxy on the `subscribed` login (its windows too), with these settings."""
    login = {name: subscribed.env[name] for name in ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CONFIG_DIR")}
    return lambda **settings: start_proxy(**login, **settings)


def post(server, session, headers=None):
    return httpx.post(
        f"{server.url}/v1/messages", json=message_body(stream=False), headers={"x-session-id": session, **(headers or {})}, timeout=60
    )


def test_it_lets_extra_usage_serve_a_spent_window_by_default_and_logs_it(subscribed, upstream, windows):
    upstream.enqueue(replies.text("Served beyond the plan.", headers=SERVED_BY_EXTRA_USAGE))
    upstream.default_reply = lambda: replies.text("Beyond the plan again.", headers=SERVED_BY_EXTRA_USAGE)

    first, second = post(subscribed, "extra-allowed-1"), post(subscribed, "extra-allowed-2")

    assert (first.status_code, second.status_code) == (200, 200)
    assert (windows.get(window="five_hour").status, windows.get(window="overage").status) == ("rejected", "allowed")
    assert [logged(response.headers["x-request-id"]).extra_usage for response in (first, second)] == [True, True]
    assert len(upstream.message_requests()) == 2


def test_it_refuses_what_only_extra_usage_would_serve_when_never(subscribed_with, upstream, windows):
    guarded = subscribed_with(CLAUDE_PROXY_EXTRA_USAGE="never")
    upstream.enqueue(replies.text("Served beyond the plan.", headers=SERVED_BY_EXTRA_USAGE))

    # The first request finds out that the window is spent: the upstream served it already.
    first = post(guarded, "extra-never-1")
    asked = len(upstream.message_requests())
    second = post(guarded, "extra-never-2")

    assert first.status_code == 200
    assert logged(first.headers["x-request-id"]).extra_usage is True
    assert second.status_code == 429
    assert second.json()["error"]["type"] == "rate_limit_error"
    assert "5-hour limit" in second.json()["error"]["message"]
    assert 1 <= int(second.headers["retry-after"]) <= 3600
    row = logged(second.headers["x-request-id"])
    assert (row.usage_window, row.usage_status, row.extra_usage) == ("five_hour", "rejected", False)
    assert len(upstream.message_requests()) == asked


def test_it_takes_a_keys_own_setting_over_the_servers(subscribed_with, upstream, windows, keys):
    server = subscribed_with()  # the default: allow
    careful_key, careful = keys("careful-laptop")
    careful_key.extra_usage = "never"
    careful_key.save(update_fields=["extra_usage"])
    _, relaxed = keys("relaxed-laptop")
    upstream.enqueue(replies.text("Served beyond the plan.", headers=SERVED_BY_EXTRA_USAGE))
    upstream.default_reply = lambda: replies.text("Beyond the plan again.", headers=SERVED_BY_EXTRA_USAGE)
    assert post(server, "extra-keys-1", {"x-api-key": relaxed}).status_code == 200

    by_careful = post(server, "extra-keys-2", {"x-api-key": careful})
    by_relaxed = post(server, "extra-keys-3", {"x-api-key": relaxed})

    assert (by_careful.status_code, by_relaxed.status_code) == (429, 200)
    assert logged(by_relaxed.headers["x-request-id"]).extra_usage is True
