"""parse_duration: durations as people write them, or a ValueError naming the text."""

from datetime import timedelta

import pytest

from sessions_admin.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("30s", timedelta(seconds=30)),
    ],
)
def test_it_reads_an_amount_with_a_unit(text, expected):
    assert parse_duration(text) == expected


def test_it_reads_a_bare_number_as_seconds():
    assert parse_duration("45") == timedelta(seconds=45)


def test_it_reads_a_number_that_is_not_a_string_as_seconds():
    assert parse_duration(60) == timedelta(seconds=60)


def test_it_reads_a_fractional_amount():
    assert parse_duration("1.5h") == timedelta(minutes=90)


def test_it_reads_upper_case_units():
    assert parse_duration("12H") == timedelta(hours=12)


def test_it_allows_spaces_around_and_between_amount_and_unit():
    assert parse_duration("  10 m  ") == timedelta(minutes=10)


def test_it_reads_zero_as_an_empty_duration():
    assert parse_duration("0d") == timedelta(0)


@pytest.mark.parametrize("text", ["5x", "", "-3h", "h", "1h30m", "1.h", ".5h", "ten minutes", "5 m s"])
def test_it_refuses_what_is_not_a_duration_naming_the_text(text):
    with pytest.raises(ValueError) as raised:
        parse_duration(text)

    assert str(raised.value) == f"{text!r} is not a duration like 90m, 24h or 7d"


def test_it_refuses_none_naming_it():
    with pytest.raises(ValueError) as raised:
        parse_duration(None)

    assert str(raised.value) == "None is not a duration like 90m, 24h or 7d"
