"""The subscription's windows read from the CLI's RateLimitEvent, the refusal rule, and
the headers clients get: pure functions over tables (no CLI, no database)."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest

from messages_api.errors import Failure, classify, limit_reached, refused
from messages_api.usage import anthropic_headers, codex_headers
from sessions_admin.usage_windows import (
    UsageWindow,
    applies_to,
    deciding,
    from_timestamp,
    in_order,
    refusing,
    windows_from_event,
)

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=dt_timezone.utc)
IN_AN_HOUR = int((NOW + timedelta(hours=1)).timestamp())
IN_FIVE_DAYS = int((NOW + timedelta(days=5)).timestamp())

# The raw dicts the SDK's RateLimitEvent carried in these states (claude-agent-sdk 0.2.189).
ALLOWED = {
    "status": "allowed", "resetsAt": IN_AN_HOUR, "rateLimitType": "five_hour", "isUsingOverage": False,
    "unifiedWindows": {
        "five_hour": {"utilization": 0.67, "resetsAt": IN_AN_HOUR, "status": "allowed"},
        "seven_day": {"utilization": 0.31, "resetsAt": IN_FIVE_DAYS, "status": "allowed"},
    },
}  # fmt: skip
REJECTED = {
    **ALLOWED, "status": "rejected", "overageStatus": "rejected", "overageDisabledReason": "org_level_disabled",
    "unifiedWindows": {**ALLOWED["unifiedWindows"], "five_hour": {"utilization": 1.0, "resetsAt": IN_AN_HOUR, "status": "rejected"}},
}  # fmt: skip
# A refusal only extra usage could serve: the five-hour window's own headers still say allowed.
CREDITS = {**REJECTED, "errorCode": "credits_required", "unifiedWindows": ALLOWED["unifiedWindows"]}
OPUS_WEEK = {"status": "rejected", "resetsAt": IN_FIVE_DAYS, "rateLimitType": "seven_day_opus", "utilization": 1.0}


def window(name, status="allowed", utilization=None, resets_at=NOW + timedelta(hours=1), **fields):
    return UsageWindow(login="me", window=name, status=status, utilization=utilization, resets_at=resets_at, **fields)


def states(raw):
    return {name: (state["status"], state.get("utilization")) for name, state in windows_from_event(raw).items()}


@pytest.mark.parametrize(
    "raw, expected",
    [
        (ALLOWED, {"five_hour": ("allowed", 0.67), "seven_day": ("allowed", 0.31)}),
        (REJECTED, {"five_hour": ("rejected", 1.0), "seven_day": ("allowed", 0.31), "overage": ("rejected", None)}),
        (CREDITS, {"five_hour": ("allowed", 0.67), "seven_day": ("allowed", 0.31), "overage": ("rejected", None)}),
        (OPUS_WEEK, {"seven_day_opus": ("rejected", 1.0)}),
        ({"status": "allowed"}, {}),
    ],
    ids=["allowed", "rejected", "credits-required", "a-window-not-in-the-map", "no-windows"],
)
def test_it_reads_each_window_of_an_event(raw, expected):
    assert states(raw) == expected


def test_it_reads_reset_times_as_unix_seconds():
    assert from_timestamp(IN_AN_HOUR) == NOW + timedelta(hours=1)
    assert windows_from_event(ALLOWED)["seven_day"]["resets_at"] == NOW + timedelta(days=5)
    assert from_timestamp(None) is None


def test_it_keeps_why_extra_usage_is_off():
    assert windows_from_event(REJECTED)["overage"]["disabled_reason"] == "org_level_disabled"


@pytest.mark.parametrize(
    "name, model, applies",
    [
        ("five_hour", "claude-opus-4-6", True),
        ("seven_day", "claude-sonnet-4-5", True),
        ("seven_day_opus", "claude-opus-4-6", True),
        ("seven_day_opus", "claude-sonnet-4-5", False),
        ("seven_day_sonnet", "claude-sonnet-4-5", True),
        ("seven_day_sonnet", "claude-haiku-4-5", False),
    ],
)
def test_it_knows_which_models_a_window_meters(name, model, applies):
    assert applies_to(name, model) is applies


@pytest.mark.parametrize(
    "windows, model, refused_by",
    [
        ([window("five_hour", "rejected")], "claude-sonnet-4-5", "five_hour"),
        ([window("five_hour", "allowed_warning")], "claude-sonnet-4-5", None),
        ([window("five_hour", "rejected", resets_at=NOW)], "claude-sonnet-4-5", None),
        ([window("five_hour", "rejected", resets_at=None)], "claude-sonnet-4-5", None),
        ([window("seven_day_opus", "rejected")], "claude-sonnet-4-5", None),
        ([window("seven_day_opus", "rejected")], "claude-opus-4-6", "seven_day_opus"),
        ([window("five_hour", "rejected"), window("overage", "allowed")], "claude-sonnet-4-5", None),
        ([window("five_hour", "rejected"), window("overage", "rejected")], "claude-sonnet-4-5", "five_hour"),
        ([window("overage", "rejected")], "claude-sonnet-4-5", None),
    ],
    ids=[
        "spent", "warning", "reset-now", "no-reset-known", "other-family", "its-family",
        "extra-usage-serves", "extra-usage-spent-too", "only-extra-usage-spent",
    ],
)  # fmt: skip
def test_it_refuses_only_while_a_window_is_spent(windows, model, refused_by):
    found = refusing(windows, model, NOW)
    assert (found and found.window) == refused_by


def test_it_names_the_deciding_window_as_the_api_does():
    fullest = [window("five_hour", utilization=0.2), window("seven_day", utilization=0.6)]
    warned = [window("five_hour", "allowed_warning", 0.9), window("seven_day", utilization=0.95)]
    spent = [*warned, window("seven_day_opus", "rejected", 1.0)]
    assert deciding(fullest, NOW).window == "seven_day"
    assert deciding(warned, NOW).window == "five_hour"
    assert deciding(spent, NOW).window == "seven_day_opus"
    assert deciding([window("five_hour", "rejected", resets_at=NOW)], NOW) is None
    assert deciding([], NOW) is None


def test_it_orders_windows_as_a_person_reads_them():
    names = [w.window for w in in_order([window("overage"), window("seven_day"), window("five_hour")])]
    assert names == ["five_hour", "seven_day", "overage"]


def test_it_gives_anthropic_clients_the_unified_headers():
    windows = [
        window("five_hour", "allowed_warning", 0.91, NOW + timedelta(hours=1)),
        window("seven_day", "allowed", 0.18, NOW + timedelta(days=5)),
        window("overage", "rejected", None, None, disabled_reason="out_of_credits"),
    ]
    assert anthropic_headers(windows, NOW) == {
        "anthropic-ratelimit-unified-status": "allowed_warning",
        "anthropic-ratelimit-unified-representative-claim": "five_hour",
        "anthropic-ratelimit-unified-reset": str(IN_AN_HOUR),
        "anthropic-ratelimit-unified-5h-status": "allowed_warning",
        "anthropic-ratelimit-unified-5h-utilization": "0.91",
        "anthropic-ratelimit-unified-5h-reset": str(IN_AN_HOUR),
        "anthropic-ratelimit-unified-7d-status": "allowed",
        "anthropic-ratelimit-unified-7d-utilization": "0.18",
        "anthropic-ratelimit-unified-7d-reset": str(IN_FIVE_DAYS),
        "anthropic-ratelimit-unified-overage-status": "rejected",
        "anthropic-ratelimit-unified-overage-disabled-reason": "out_of_credits",
    }
    assert anthropic_headers([], NOW) == {}


def test_it_gives_codex_its_primary_and_secondary_windows():
    windows = [window("five_hour", utilization=0.255), window("seven_day", utilization=0.5, resets_at=NOW + timedelta(days=5))]
    assert codex_headers(windows, NOW) == {
        "x-codex-primary-used-percent": "25.5",
        "x-codex-primary-window-minutes": "300",
        "x-codex-primary-reset-at": str(IN_AN_HOUR),
        "x-codex-secondary-used-percent": "50",
        "x-codex-secondary-window-minutes": "10080",
        "x-codex-secondary-reset-at": str(IN_FIVE_DAYS),
    }
    assert codex_headers([window("five_hour", utilization=0.3, resets_at=NOW)], NOW) == {}


def test_it_classifies_a_refusal_as_429_with_the_seconds_to_its_reset():
    failure = Failure(
        rate_limit=REJECTED, assistant_error="rate_limit", api_error_status=429,
        text="You've hit your 5-hour limit · resets 7:00pm (UTC)",
    )  # fmt: skip
    error = classify(failure)
    assert (error.status, error.error_type, error.message) == (
        429, "rate_limit_error", "You've hit your 5-hour limit · resets 7:00pm (UTC)"
    )  # fmt: skip
    assert error.retry_after is not None


def test_it_tells_a_client_the_seconds_until_a_spent_window_resets():
    error = limit_reached("five_hour", NOW + timedelta(hours=1), now=NOW)
    assert (error.status, error.retry_after) == (429, 3600)
    assert error.message == "The Claude subscription's 5-hour limit is reached; it resets at 2026-12-04 19:00 UTC"
    assert limit_reached("five_hour", NOW + timedelta(milliseconds=200), now=NOW).retry_after == 1


@pytest.mark.parametrize(
    "words",
    [
        "You're out of extra usage · resets Jan 1",
        "Your seat type doesn't include extra usage",
        "Opus 5.5 requires usage credits. Turn on extra usage to keep going.",
        "Third-party apps now draw from your extra usage, which is off for this account",
    ],
)
def test_it_classifies_a_refusal_in_claude_codes_extra_usage_words_as_billing(words):
    error = refused({"status": "rejected", "rateLimitType": "five_hour", "resetsAt": 1_800_000_000}, words)

    assert (error.status, error.error_type, error.retry_after) == (402, "billing_error", None)
    assert error.message == f"This request needs extra usage, which the account cannot draw from: {words}"


def test_it_refuses_a_spent_window_that_extra_usage_would_serve_when_extra_usage_is_not_allowed():
    spent = UsageWindow(login="a", window="five_hour", status="rejected", resets_at=NOW + timedelta(hours=1))
    extra = UsageWindow(login="a", window="overage", status="allowed")

    assert refusing([spent, extra], "claude-sonnet-4-5", NOW) is None
    assert refusing([spent, extra], "claude-sonnet-4-5", NOW, extra_usage=False) is spent
    assert refusing([extra], "claude-sonnet-4-5", NOW, extra_usage=False) is None


def test_it_classifies_a_refusal_only_extra_usage_could_serve_as_billing():
    error = refused(CREDITS, "You've hit your 5-hour limit · resets 7:00pm (UTC)")
    assert (error.status, error.error_type) == (402, "billing_error")
    assert error.message == "This request needs extra usage, which the account cannot draw from (org_level_disabled)"
    assert error.retry_after is None
