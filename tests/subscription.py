"""The unified headers a subscription's upstream sends (the `subscribed` proxy is in conftest)."""

import time

from tests.upstream import replies

# The `subscribed` proxy runs on the default login (a token in its environment); its
# account's e-mail is what `claude auth login` would have stored.
LOGIN, EMAIL = "default", "limits@example.com"


def unified(five_hour=0.42, seven_day=0.18, status="allowed", five_hour_status=None, reset_in=3600, **extra):
    """The headers a subscription's upstream answers with; resets `reset_in` seconds ahead."""
    now = int(time.time())
    headers = {
        "anthropic-ratelimit-unified-status": status,
        "anthropic-ratelimit-unified-reset": str(now + reset_in),
        "anthropic-ratelimit-unified-representative-claim": "five_hour",
        "anthropic-ratelimit-unified-5h-utilization": str(five_hour),
        "anthropic-ratelimit-unified-5h-reset": str(now + reset_in),
        "anthropic-ratelimit-unified-5h-status": five_hour_status or status,
        "anthropic-ratelimit-unified-7d-utilization": str(seven_day),
        "anthropic-ratelimit-unified-7d-reset": str(now + 5 * 86400),
        "anthropic-ratelimit-unified-7d-status": "allowed",
    }
    return {**headers, **extra}


def refusal(**headers):
    return replies.Reply(
        status=429,
        error={"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}},
        headers=headers,
    )
