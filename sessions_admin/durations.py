"""Durations as people write them: `90m`, `24h`, `7d` (or plain seconds)."""

import re
from datetime import timedelta

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(text):
    """A timedelta, or ValueError naming what could not be read."""
    match = DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration like 90m, 24h or 7d")
    amount, unit = match.groups()
    return timedelta(**{UNITS[(unit or "s").lower()]: float(amount)})


def older_than_argument(text):
    """--older-than for the purge commands; a CommandError naming a bad value. A bare
    number is refused: `--older-than 30` deleting all but 30 seconds is not what anyone means."""
    from django.core.management.base import CommandError

    try:
        duration = parse_duration(text)
    except ValueError as exc:
        raise CommandError(f"--older-than: {exc}") from None
    if not DURATION.match(str(text)).group(2):
        raise CommandError(f"--older-than: {text!r} has no unit; say 90m, 24h or 7d")
    return duration
