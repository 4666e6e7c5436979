"""The admin's index is a dashboard; its charts hold exactly what the request log holds."""

import json
import math
import random
from datetime import datetime, timedelta

import httpx
import pytest
from django.utils import timezone

from sessions_admin.admin_base import LIST_PER_PAGE
from sessions_admin.models import Conversation, RequestLog
from tests.browser import needs_chromium, page, scrolls_sideways, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.upstream import replies

pytestmark = needs_chromium

MODELS = ("claude-sonnet-4-5", "claude-opus-4-6", "claude-haiku-4-5")
OUTCOMES = (
    (200, ""),
    (200, ""),
    (200, ""),
    (429, "rate_limit_error"),
    (529, "overloaded_error"),
    (400, "invalid_request_error"),
    (499, "client_closed"),
)
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
KEYS = ("alice-laptop", "ci-bot", "")


@pytest.fixture(scope="module")
def logs(proxy, upstream_server):
    """~200 request logs over the last week, of mixed outcomes, and a few real requests."""
    chance = random.Random(14)
    now = timezone.now()
    rows = []
    for n in range(196):
        status, error_type = chance.choice(OUTCOMES)
        ok = not error_type
        rows.append(
            RequestLog(
                request_id=f"req_dashboard_{n}",
                method="POST",
                endpoint="/v1/messages",
                model=chance.choice(MODELS),
                stream=chance.random() < 0.5,
                status=status,
                error_type=error_type,
                ttfb_ms=chance.randint(40, 3000) if ok or chance.random() < 0.3 else None,
                duration_ms=chance.randint(3000, 20000),
                input_tokens=chance.randint(10, 5000) if ok else 0,
                output_tokens=chance.randint(5, 2000) if ok else 0,
                cache_read_input_tokens=chance.randint(0, 20000) if ok else 0,
                cache_creation_input_tokens=chance.randint(0, 3000) if ok else 0,
                client="opencode/1.18.33",
                api_key=KEYS[n % len(KEYS)],
                # Some of the 429s are a spent window's refusals.
                usage_window="five_hour" if error_type == "rate_limit_error" and n % 2 else "",
                usage_status="rejected" if error_type == "rate_limit_error" and n % 2 else "",
                extra_usage=ok and n % 5 == 0,
                # Denser near now, so the last hour has rows of its own.
                created=now - timedelta(seconds=chance.choice([3500, 86000, 600000]) * chance.random()),
            )
        )
    RequestLog.objects.bulk_create(rows)
    upstream_server.reset()
    upstream_server.enqueue(replies.text("Fine."), replies.error(429), replies.text("Also fine."))
    for text in ("Dashboard one", "Dashboard two", "Dashboard three", "Dashboard four"):
        response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(text, stream=False), timeout=60)
        assert logged(response.headers["x-request-id"])
    upstream_server.reset()
    yield
    # Other modules count old logs (the purge commands): leave none of ours behind.
    RequestLog.objects.filter(request_id__startswith="req_dashboard_").delete()


def expected(data):
    """The dashboard's numbers, recomputed in Python from the rows of its time range."""
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    rows = list(RequestLog.objects.filter(created__gte=since, created__lte=until))
    bucket_of = {
        "1h": lambda at: at.replace(second=0, microsecond=0),
        "24h": lambda at: at.replace(minute=0, second=0, microsecond=0),
        "7d": lambda at: at.replace(hour=0, minute=0, second=0, microsecond=0),
    }[data["range"]]
    requests, ttfbs, tokens = {}, {}, {}
    for row in rows:
        bucket = bucket_of(row.created).isoformat()
        outcome = requests.setdefault(row.error_type or "ok", {})
        outcome[bucket] = outcome.get(bucket, 0) + 1
        if row.ttfb_ms is not None:
            ttfbs.setdefault(bucket, []).append(row.ttfb_ms)
        if not row.model:
            continue  # a request refused before naming a model used no tokens
        day = tokens.setdefault(row.model, {}).setdefault(row.created.date().isoformat(), dict.fromkeys(TOKEN_FIELDS, 0))
        for field in TOKEN_FIELDS:
            day[field] += getattr(row, field)

    def percentile(values, fraction):
        values = sorted(values)
        return values[math.ceil(fraction * len(values)) - 1] if values else None

    days = sorted({day for per_model in tokens.values() for day in per_model})
    buckets = data["buckets"]
    return {
        "requests": {outcome: [counts.get(b, 0) for b in buckets] for outcome, counts in sorted(requests.items())},
        "ttfb_ms": {
            "p50": [percentile(ttfbs.get(b, []), 0.5) for b in buckets],
            "p90": [percentile(ttfbs.get(b, []), 0.9) for b in buckets],
        },
        "tokens": {
            "days": days,
            "models": {
                model: {field: [per_day.get(day, {}).get(field, 0) for day in days] for field in TOKEN_FIELDS}
                for model, per_day in sorted(tokens.items())
            },
        },
        "requests_total": len(rows),
        "errors_total": sum(1 for row in rows if row.error_type),
        "token_totals": {field: sum(getattr(row, field) for row in rows) for field in TOKEN_FIELDS},
    }


def dashboard_data(page):
    return json.loads(page.locator("#dashboard-data").text_content())


@pytest.mark.parametrize("range_name", ["1h", "24h", "7d"])
def test_it_charts_exactly_what_the_request_log_holds(logs, proxy, page, range_name):
    page.goto(f"{proxy.url}/admin/?range={range_name}")
    page.wait_for_function("window.proxyCharts !== undefined")
    data = dashboard_data(page)
    want = expected(data)

    assert data["range"] == range_name
    assert data["requests"] == want["requests"]
    assert data["ttfb_ms"] == want["ttfb_ms"]
    assert data["tokens"] == want["tokens"]
    assert data["totals"]["requests"] == want["requests_total"] > 0
    assert data["totals"]["errors"] == want["errors_total"] > 0
    # What the page shows: the figures and the charts' datasets.
    assert page.locator("#total-requests").inner_text() == f"{want['requests_total']:,}"
    assert page.locator("#total-errors").inner_text() == f"{want['errors_total']:,}"
    totals = want["token_totals"]
    assert page.locator("#total-tokens").inner_text() == f"{totals['input_tokens']:,} / {totals['output_tokens']:,}"
    charted = page.evaluate("proxyCharts.requests.data.datasets.map(d => [d.outcome, d.data])")
    assert dict(charted) == want["requests"]
    assert page.evaluate("proxyCharts.ttfb.data.datasets.map(d => d.data)") == [want["ttfb_ms"]["p50"], want["ttfb_ms"]["p90"]]
    charted_tokens = page.evaluate("proxyCharts.tokens.data.datasets.map(d => [d.model, d.field, d.data])")
    assert {(model, field): values for model, field, values in charted_tokens} == {
        (model, field): values for model, sums in want["tokens"]["models"].items() for field, values in sums.items()
    }
    assert not scrolls_sideways(page)
    shot(page, f"11-dashboard-{range_name}")


@pytest.fixture
def expired_conversation():
    """A conversation that has expired, which the active count leaves out."""
    long_ago = timezone.now() - timedelta(days=3)
    row = Conversation.objects.create(key="dashboard-expired", key_kind="header", scope="s", last_used=long_ago, expires_at=long_ago)
    yield row
    row.delete()


def test_it_counts_active_conversations_and_live_processes(logs, proxy, page, expired_conversation):
    page.goto(f"{proxy.url}/admin/")
    data = dashboard_data(page)

    # Active as of the dashboard's own moment: one of another test's conversations may
    # expire between its count and this one.
    assert data["conversations_active"] == Conversation.objects.active(datetime.fromisoformat(data["until"])).count() > 0
    assert page.locator("#conversations-active").inner_text() == str(data["conversations_active"])
    # The real requests above left their CLI processes running, idle.
    assert data["processes"]["count"] >= 1
    assert data["processes"]["rss_mb"] > 50
    assert page.locator("#cli-memory").inner_text() == f"{data['processes']['rss_mb']} MB"


def test_it_serves_the_same_numbers_as_json(logs, proxy, page):
    page.goto(f"{proxy.url}/admin/?range=7d")

    served = page.evaluate("fetch('/admin/dashboard.json?range=7d').then(r => r.json())")
    want = expected(served)

    assert set(served) == set(dashboard_data(page))
    assert (served["requests"], served["ttfb_ms"], served["tokens"]) == (want["requests"], want["ttfb_ms"], want["tokens"])


def test_it_shows_requests_errors_refusals_and_tokens_per_key(logs, proxy, page):
    page.goto(f"{proxy.url}/admin/?range=7d")
    data = dashboard_data(page)
    since, until = datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"])
    rows = list(RequestLog.objects.filter(created__gte=since, created__lte=until))

    want = {}
    for row in rows:
        key = want.setdefault(row.api_key, dict.fromkeys(("requests", "errors", "refusals", "extra_usage", "input_tokens", "output_tokens"), 0))
        key["requests"] += 1
        key["errors"] += bool(row.error_type)
        key["refusals"] += bool(row.error_type) and row.usage_status == "rejected"
        key["extra_usage"] += row.extra_usage
        key["input_tokens"] += row.input_tokens
        key["output_tokens"] += row.output_tokens
    assert {key.pop("api_key"): key for key in data["keys"]} == want
    assert want["alice-laptop"]["refusals"] > 0

    row = page.locator("#api-keys tr[data-key='alice-laptop']")
    alice = want["alice-laptop"]
    assert row.locator(".requests").inner_text() == f"{alice['requests']:,}"
    assert row.locator(".refusals").inner_text() == f"{alice['refusals']:,}"
    assert row.locator(".extra-usage").inner_text() == f"{alice['extra_usage']:,}"
    assert row.locator(".tokens").inner_text() == f"{alice['input_tokens']:,} / {alice['output_tokens']:,}"
    page.locator("#api-keys").scroll_into_view_if_needed()
    shot(page, "22-dashboard-by-key")
    row.locator("a").click()
    page.wait_for_url("**api_key=alice-laptop**")
    assert page.locator("#result_list tbody tr").count() == min(RequestLog.objects.filter(api_key="alice-laptop").count(), LIST_PER_PAGE)


def test_it_serves_the_chart_library_from_its_own_static_files(proxy, page):
    page.goto(f"{proxy.url}/admin/")
    sources = page.evaluate("[...document.scripts].map(s => s.src).filter(Boolean)")

    assert sources and all(source.startswith(f"{proxy.url}/static/") for source in sources)
    assert page.evaluate("Chart.version") == "4.6.1"


def test_it_refuses_the_dashboard_to_anyone_not_logged_in(proxy):
    for path in ("/admin/", "/admin/dashboard.json"):
        response = httpx.get(f"{proxy.url}{path}", follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"].startswith("/admin/login/")
