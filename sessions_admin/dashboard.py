"""The admin's dashboard: what the request log says about the last hour, day or week.

Computed in the database without sorting the range's rows: one query groups them by
hour (RequestLog.hour), outcome and model, with counts and token sums, in the order of
the `requestlog_hourly` index, and Python adds those groups up into the chart's buckets.
A bucket's TTFB percentiles are then the rows at their ranks, which the
`requestlog_hourly_ttfb` index hands over in order (LIMIT 1 OFFSET rank). The last hour's
minutes are few enough rows to group by truncating `created`. bench/dashboard.py times
it over 100k rows.
"""

import math
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, Q, Sum, Value
from django.db.models.functions import TruncMinute
from django.utils import timezone

from .instances import ProxyInstance
from .models import LIMIT_STATUSES, Conversation, RequestLog, UsageWindow, hour_of
from .usage_windows import in_order
from .wire_formats import WIRE_FORMATS, wire_format_of

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
# (value, label, span, bucket) for the range switcher.
RANGES = (
    ("1h", "Last hour", timedelta(hours=1), MINUTE),
    ("24h", "24 hours", timedelta(hours=24), HOUR),
    ("7d", "7 days", timedelta(days=7), DAY),
)
DEFAULT_RANGE = "24h"
PERCENTILES = (("p50", 0.5), ("p90", 0.9))
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
OK = "ok"  # the outcome of a request without an error


def range_named(name):
    return next((r for r in RANGES if r[0] == name), next(r for r in RANGES if r[0] == DEFAULT_RANGE))


def bucket_start(moment, step):
    """The start of the bucket (UTC) that `moment` falls in."""
    start = hour_of(moment) if step != MINUTE else moment.astimezone(dt_timezone.utc).replace(second=0, microsecond=0)
    return start.replace(hour=0) if step == DAY else start


def _bucket_starts(since, now, step):
    """Every bucket of the range, empty ones too, so a quiet hour shows as zero."""
    start, starts = bucket_start(since, step), []
    while start <= now:
        starts.append(start)
        start += step
    return starts


def _minute(field="created"):
    # On SQLite, Django's Trunc calls a Python function for every row; strftime is C.
    if connection.vendor == "sqlite":
        return Func(Value("%Y-%m-%d %H:%M:00"), F(field), function="strftime", output_field=DateTimeField())
    return TruncMinute(field)


def _groups(logs, step):
    """Counts and token sums of the range's rows by (when, error_type, model), `when` being
    their hour, or their minute for a range of minutes."""
    when = _minute() if step == MINUTE else F("hour")
    sums = {field: Sum(field) for field in TOKEN_FIELDS}
    grouped = logs.annotate(when=when).values("when", "error_type", "model")
    return grouped.annotate(requests=Count("*"), timed=Count("ttfb_ms"), **sums).order_by()


def _in_bucket(start, step):
    if step == HOUR:
        return Q(hour=start)  # one hour: the index gives its TTFBs in order
    if step == DAY:
        return Q(hour__gte=start, hour__lt=start + DAY)
    return Q(created__gte=start, created__lt=start + step)


def percentile(rows, count, fraction):
    """The nearest-rank `fraction` percentile of the TTFBs of `rows`, `count` of them:
    the one ranked ceil(fraction × count)."""
    ranked = rows.exclude(ttfb_ms=None).order_by("ttfb_ms").values_list("ttfb_ms", flat=True)
    return ranked[math.ceil(fraction * count) - 1]


def usage_windows(now):
    """Each window of the subscription as last reported, for a gauge."""
    return [
        {
            "login": window.login,
            "window": window.window,
            "label": window.label,
            "status": window.status,
            "status_label": window.get_status_display(),
            "percent": None if window.utilization is None else round(window.utilization * 100, 1),
            "resets_at": window.resets_at and window.resets_at.isoformat(),
            "has_reset": window.has_reset(now),
            "disabled_reason": window.disabled_reason,
            "observed_at": window.observed_at.isoformat(),
        }
        for window in in_order(UsageWindow.objects.all())
    ]


def instances(now):
    """Each instance seen on the database in the last day, as its last heartbeat said."""
    return [
        {
            "name": instance.name,
            "alive": instance.is_alive(now),
            "last_seen": instance.last_seen.isoformat(),
            "processes": instance.processes,
            "rss_mb": instance.rss_mb,
            "turns": instance.turns,
        }
        for instance in ProxyInstance.objects.filter(last_seen__gte=now - DAY)
    ]


def limit_history(logs, step, buckets):
    """When requests were answered under a window's warning, or refused by it: counts by
    bucket for each (window, status), from the `requestlog_hourly_limits` index."""
    when = _minute() if step == MINUTE else F("hour")
    rows = logs.filter(usage_status__in=LIMIT_STATUSES).annotate(when=when)
    counts = {}
    for group in rows.values("when", "usage_window", "usage_status").annotate(requests=Count("*")).order_by():
        per_bucket = counts.setdefault(f"{group['usage_window']} {group['usage_status']}", {})
        bucket = bucket_start(group["when"], step).isoformat()
        per_bucket[bucket] = per_bucket.get(bucket, 0) + group["requests"]
    return {series: [per_bucket.get(b, 0) for b in buckets] for series, per_bucket in sorted(counts.items())}


def by_wire_format(logs):
    """Requests and errors of `logs` by wire format, every wire format listed."""
    counts = {wire: {"wire_format": wire, "label": label, "requests": 0, "errors": 0} for wire, label in WIRE_FORMATS}
    # By hour first: the requestlog_hourly_endpoint index holds them in that order, no sort.
    groups = logs.values("hour", "endpoint").annotate(requests=Count("*"), errors=Count("id", filter=~Q(error_type="")))
    for group in groups.order_by():
        if wire := wire_format_of(group["endpoint"]):
            counts[wire]["requests"] += group["requests"]
            counts[wire]["errors"] += group["errors"]
    return list(counts.values())


def by_key(logs):
    """Requests, errors, refusals by a spent window, requests extra usage served, and
    tokens of `logs` by the API key they came with ("" for none), busiest first."""
    groups = logs.values("api_key").annotate(
        requests=Count("*"),
        errors=Count("id", filter=~Q(error_type="")),
        refusals=Count("id", filter=Q(usage_status="rejected") & ~Q(error_type="")),
        extra_usage=Count("id", filter=Q(extra_usage=True)),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
    )
    return sorted(groups.order_by(), key=lambda group: (-group["requests"], group["api_key"]))


def summary(range_name=DEFAULT_RANGE, now=None, processes=()):
    """The dashboard's numbers, as JSON-ready data. `processes` is Runtimes.describe()."""
    name, label, span, step = range_named(range_name)
    now = now or timezone.now()
    since = now - span
    # The hour bound lets the database read the hourly index by range.
    logs = RequestLog.objects.filter(hour__gte=hour_of(since), created__gte=since, created__lte=now)
    starts = _bucket_starts(since, now, step)
    buckets = [start.isoformat() for start in starts]

    outcomes, timed, tokens = {}, {}, {}  # outcome -> {bucket: n}; bucket -> n; model -> {day: sums}
    totals = dict.fromkeys(("requests", "errors", *TOKEN_FIELDS), 0)
    for group in _groups(logs, step):
        bucket = bucket_start(group["when"], step).isoformat()
        per_outcome = outcomes.setdefault(group["error_type"] or OK, {})
        per_outcome[bucket] = per_outcome.get(bucket, 0) + group["requests"]
        timed[bucket] = timed.get(bucket, 0) + group["timed"]
        totals["requests"] += group["requests"]
        totals["errors"] += group["requests"] if group["error_type"] else 0
        for field in TOKEN_FIELDS:
            totals[field] += group[field] or 0
        if group["model"]:  # a request refused before naming a model used no tokens
            day = tokens.setdefault(group["model"], {}).setdefault(group["when"].date().isoformat(), {})
            for field in TOKEN_FIELDS:
                day[field] = day.get(field, 0) + (group[field] or 0)
    ttfbs = {
        name: {
            bucket: percentile(logs.filter(_in_bucket(start, step)), timed[bucket], fraction)
            for start, bucket in zip(starts, buckets)
            if timed.get(bucket)
        }
        for name, fraction in PERCENTILES
    }
    days = sorted({day for per_model in tokens.values() for day in per_model})
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
                model: {field: [per_day.get(day, {}).get(field, 0) for day in days] for field in TOKEN_FIELDS}
                for model, per_day in sorted(tokens.items())
            },
        },
        "totals": totals,
        "usage": {"windows": usage_windows(now), "history": limit_history(logs, step, buckets)},
        "instances": instances(now),
        "wire_formats": by_wire_format(logs),
        "keys": by_key(logs),
        "conversations_active": Conversation.objects.active(now).count(),
        "processes": {
            "count": len(processes),
            "rss_mb": round(sum(p["rss_mb"] or 0 for p in processes), 1),
        },
    }
