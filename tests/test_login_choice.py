"""Which Claude login a turn runs on (sessions_admin.logins.choose): a table of the
request's logins, their windows, the conversation's login and whether its key falls back."""

from datetime import datetime, timedelta, timezone

import pytest

from sessions_admin.logins import choose
from sessions_admin.usage_windows import UsageWindow

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
SONNET = "claude-sonnet-4-5"


def spent(login, window="five_hour", hours=1):
    return UsageWindow(login=login, window=window, status="rejected", utilization=1.0, resets_at=NOW + timedelta(hours=hours))


def fine(login):
    return UsageWindow(login=login, window="five_hour", status="allowed", utilization=0.3, resets_at=NOW + timedelta(hours=2))


@pytest.mark.parametrize(
    ("candidates", "windows", "current", "fallback", "chosen"),
    [
        # A new conversation: the first login no window refuses.
        (["a", "b"], [], "", False, "a"),
        (["a", "b"], [fine("a"), spent("b")], "", False, "a"),
        (["a", "b"], [spent("a")], "", False, "b"),
        # A conversation stays on its login, even when it is not the first.
        (["a", "b"], [], "b", False, "b"),
        (["a", "b"], [spent("a")], "b", True, "b"),
        # Its login refused: it moves on only when the key falls back.
        (["a", "b"], [spent("a")], "a", True, "b"),
        (["a", "b", "c"], [spent("a"), spent("b")], "a", True, "c"),
        # A login the request may not use (another key's, or no longer its): it moves.
        (["b"], [], "a", False, "b"),
        # A window that has reset refuses nothing.
        (["a", "b"], [spent("a", hours=-1)], "a", False, "a"),
        # A weekly Opus window meters Opus alone.
        (["a", "b"], [spent("a", window="seven_day_opus")], "a", False, "a"),
    ],
)
def test_it_chooses_the_login(candidates, windows, current, fallback, chosen):
    assert choose(candidates, windows, SONNET, NOW, current=current, fallback=fallback) == (chosen, None)


def test_it_refuses_a_conversation_whose_login_is_spent_when_its_key_does_not_fall_back():
    refusing = spent("a")

    assert choose(["a", "b"], [refusing], SONNET, NOW, current="a") == (None, refusing)


def test_it_refuses_with_the_window_that_resets_first_when_every_login_is_spent():
    later, sooner = spent("a", hours=3), spent("b", hours=1)

    assert choose(["a", "b"], [later, sooner], SONNET, NOW) == (None, sooner)
    assert choose(["a", "b"], [later, sooner], SONNET, NOW, current="a", fallback=True) == (None, sooner)


def test_it_lets_extra_usage_serve_a_spent_window_unless_the_request_may_not_use_it():
    windows = [spent("a"), UsageWindow(login="a", window="overage", status="allowed")]

    assert choose(["a", "b"], windows, SONNET, NOW, current="a") == ("a", None)
    assert choose(["a", "b"], windows, SONNET, NOW, current="a", fallback=True, extra_usage=False) == ("b", None)


def test_it_has_no_login_to_offer_when_the_request_may_use_none():
    assert choose([], [], SONNET, NOW) == (None, None)
