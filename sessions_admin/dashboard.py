"""The admin's dashboard: what the request log says about the last hour, day or week.

Everything is computed in the database, on rows the `requestlog_dashboard` index answers
alone: counts and sums grouped by time bucket (Trunc*, Count, Sum), and the TTFB
percentiles by ranking each bucket's rows (window functions), so only the answers come
back. bench/dashboard.py times it over 100k rows.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, Q, Sum, Value, Window
from django.db.models.functions import RowNumber, TruncDate, TruncDay, TruncHour, TruncMinute
from django.utils import timezone

from .models import Conversation, RequestLog

# (value, label, span, bucket) for the range switcher.
RANGES = (
    ("1h", "Last hour", timedelta(hours=1), TruncMinute),
    ("24h", "24 hours", timedelta(hours=24), TruncHour),
    ("7d", "7 days", timedelta(days=7), TruncDay),
)
DEFAULT_RANGE = "24h"
BUCKET_STEPS = {TruncMinute: timedelta(minutes=1), TruncHour: timedelta(hours=1), TruncDay: timedelta(days=1)}
# On SQLite, Django's Trunc calls a Python function for every row (~7 µs each); SQLite's
# own strftime does the same in C. The database holds UTC, and so do the buckets.
SQLITE_FORMATS = {TruncMinute: "%Y-%m-%d %H:%M:00", TruncHour: "%Y-%m-%d %H:00:00", TruncDay: "%Y-%m-%d 00:00:00"}
PERCENTILES = (("p50", 0.5), ("p90", 0.9))
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
OK = "ok"  # the outcome of a request without an error


def range_named(name):
    return next((r for r in RANGES if r[0] == name), next(r for r in RANGES if r[0] == DEFAULT_RANGE))


def bucket_of(trunc, field="created"):
    if connection.vendor == "sqlite":
        return Func(Value(SQLITE_FORMATS[trunc]), F(field), function="strftime", output_field=DateTimeField())
    return trunc(field)


def percentiles(logs, bucket, fraction):
    """{bucket: the nearest-rank `fraction` percentile of its TTFBs}: the row ranked
    ceil(fraction × n) of each bucket's n, picked by the database."""
    ranked = logs.filter(ttfb_ms__isnull=False).annotate(
        bucket=bucket,
        rank=Window(RowNumber(), partition_by=[bucket], order_by=F("ttfb_ms").asc()),
        size=Window(Count("*"), partition_by=[bucket]),
    )
    picked = ranked.filter(Q(rank__gte=F("size") * fraction) & Q(rank__lt=F("size") * fraction + 1))
    return {row_bucket.isoformat(): ttfb for row_bucket, ttfb in picked.values_list("bucket", "ttfb_ms")}


def _bucket_starts(since, now, trunc):
    """Every bucket of the range, empty ones too, so a quiet hour shows as zero."""
    step = BUCKET_STEPS[trunc]
    start = since.replace(second=0, microsecond=0)
    if trunc is not TruncMinute:
        start = start.replace(minute=0)
    if trunc is TruncDay:
        start = start.replace(hour=0)
    starts = []
    while start <= now:
        starts.append(start)
        start += step
    return starts


def summary(range_name=DEFAULT_RANGE, now=None, processes=()):
    """The dashboard's numbers, as JSON-ready data. `processes` is Runtimes.describe()."""
    name, label, span, trunc = range_named(range_name)
    now = now or timezone.now()
    since = now - span
    logs = RequestLog.objects.filter(created__gte=since, created__lte=now)
    buckets = [start.isoformat() for start in _bucket_starts(since, now, trunc)]

    bucket = bucket_of(trunc)
    outcomes = {}  # outcome -> {bucket: count}
    for row in logs.annotate(bucket=bucket).values("bucket", "error_type").annotate(n=Count("*")).order_by():
        outcomes.setdefault(row["error_type"] or OK, {})[row["bucket"].isoformat()] = row["n"]
    ttfbs = {name: percentiles(logs, bucket, fraction) for name, fraction in PERCENTILES}

    tokens = {}  # model -> {day: {field: sum}}
    day_bucket = bucket_of(TruncDay) if connection.vendor == "sqlite" else TruncDate("created")
    by_day = logs.exclude(model="").annotate(day=day_bucket).values("day", "model").order_by("day", "model")
    for row in by_day.annotate(**{f"sum_{field}": Sum(F(field)) for field in TOKEN_FIELDS}):
        tokens.setdefault(row["model"], {})[str(row["day"])[:10]] = {
            field: row[f"sum_{field}"] for field in TOKEN_FIELDS
        }
    days = sorted({day for per_model in tokens.values() for day in per_model})

    totals = logs.aggregate(requests=Count("*"), **{field: Sum(field, default=0) for field in TOKEN_FIELDS})
    errors = sum(sum(counts.values()) for outcome, counts in outcomes.items() if outcome != OK)
    return {
        "range": name,
        "range_label": label,
        "since": since.isoformat(),
        "until": now.isoformat(),
        "buckets": buckets,
        "requests": {outcome: [counts.get(b, 0) for b in buckets] for outcome, counts in sorted(outcomes.items())},
        "ttfb_ms": {name: [ttfbs[name].get(b) for b in buckets] for name, _ in PERCENTILES},
        "tokens": {
            "days": days,
            "models": {
                model: {field: [per_day.get(day, {}).get(field) or 0 for day in days] for field in TOKEN_FIELDS}
                for model, per_day in sorted(tokens.items())
            },
        },
        "totals": {**totals, "errors": errors},
        "conversations_active": Conversation.objects.active(now).count(),
        "processes": {
            "count": len(processes),
            "rss_mb": round(sum(p["rss_mb"] or 0 for p in processes), 1),
        },
    }
