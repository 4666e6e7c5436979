"""The subscription's windows where people look: the dashboard's gauges and history (in
Chromium, in the viewer's time zone), the live page, /metrics. The values are those the
fake upstream sent, read by the real CLI on a subscription login."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sessions_admin.models import RequestLog
from tests.browser import CHROMIUM_ARGS, VIEWPORT, needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.helpers import logged, message_body
from tests.subscription import LOGIN, refusal, unified

VIEWER_ZONE = "America/New_York"  # not the server's UTC: the page must convert


@pytest.fixture
def reported(subscribed, upstream, windows):
    """A warning on the five-hour window and a spent extra usage, as the upstream said."""
    sent = unified(
        status="allowed_warning", five_hour=0.91, seven_day=0.18,
        **{
            "anthropic-ratelimit-unified-overage-status": "rejected",
            "anthropic-ratelimit-unified-overage-disabled-reason": "out_of_credits",
        },
    )  # fmt: skip
    upstream.headers = sent
    response = httpx.post(
        f"{subscribed.url}/v1/messages", json=message_body(stream=False), headers={"x-session-id": "pages"}, timeout=60
    )
    assert response.status_code == 200
    assert logged(response.headers["x-request-id"]).usage_status == "allowed_warning"
    return sent


def local(seconds):
    return datetime.fromtimestamp(int(seconds), ZoneInfo(VIEWER_ZONE)).strftime("%Y-%m-%d %H:%M")


@needs_chromium
def test_it_shows_each_window_as_a_gauge_in_the_viewers_time(reported, page, proxy):
    # A page of its own in the viewer's zone, logged in as the fixture's page is.
    browser = page.context.browser
    viewer = browser.new_context(viewport=VIEWPORT, timezone_id=VIEWER_ZONE, storage_state=page.context.storage_state())
    dashboard = viewer.new_page()
    dashboard.goto(f"{proxy.url}/admin/?range=1h")
    five_hour = dashboard.locator("#usage-windows [data-window=five_hour]")

    assert five_hour.locator(".name").inner_text() == "5-hour"
    assert five_hour.locator(".percent").inner_text() == "91.0 %"
    assert five_hour.locator(".state").inner_text() == "Warning"
    # An hour ahead, give or take the seconds the test took: never 1000 times that.
    assert re.fullmatch(
        rf"resets {local(reported['anthropic-ratelimit-unified-5h-reset'])} \(in (59 min|1 h 0 min)\)",
        five_hour.locator(".resets").inner_text(),
    )
    assert five_hour.locator(".fill").evaluate("el => el.style.width") == "91%"
    seven_day = dashboard.locator("#usage-windows [data-window=seven_day]")
    assert seven_day.locator(".percent").inner_text() == "18.0 %"
    assert seven_day.locator(".resets").inner_text() == (
        f"resets {local(reported['anthropic-ratelimit-unified-7d-reset'])} (in 5 d 0 h)"
    )
    extra = dashboard.locator("#usage-windows [data-window=overage]")
    assert extra.locator(".state").inner_text() == "Refused"
    assert extra.locator(".reason").inner_text() == "out_of_credits"

    # The history: every request answered under a warning in the range, from the log.
    history = dashboard.evaluate(
        "() => Object.fromEntries(proxyCharts.limits.data.datasets.map(d => [d.series, d.data.reduce((a, b) => a + b, 0)]))"
    )
    since = datetime.fromisoformat(dashboard.evaluate("() => JSON.parse(document.getElementById('dashboard-data').textContent).since"))
    warned = RequestLog.objects.filter(created__gte=since, usage_window="five_hour", usage_status="allowed_warning")
    assert history["five_hour allowed_warning"] == warned.count() >= 1

    # The tokens chart's legend: one entry per model and one per kind, not one per pair.
    legend = dashboard.evaluate("() => proxyCharts.tokens.legend.legendItems.map(item => item.text)")
    models = dashboard.evaluate("() => Object.keys(proxyCharts.tokens.data.datasets.reduce((m, d) => ({...m, [d.model]: 1}), {}))")
    assert legend == [*models, "input", "output", "cache read", "cache write"]
    shot(dashboard, "dashboard-usage-windows")
    viewer.close()


@needs_chromium
def test_it_shows_the_windows_on_the_live_page(reported, page, proxy, subscribed):
    page.goto(f"{subscribed.url}/admin/live/")
    page.wait_for_selector("#usage-windows tbody tr[data-window=five_hour]")
    row = page.locator("#usage-windows tr[data-window=five_hour]")

    assert row.locator(".used").inner_text() == "91 %"
    assert row.locator(".state").inner_text() == "warning"
    shot(page, "live-usage-windows")


def test_it_exposes_the_windows_and_the_refusals_to_prometheus(reported, subscribed, upstream):
    def scrape():
        text = httpx.get(f"{subscribed.url}/metrics", timeout=10).text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in text_string_to_metric_families(text) for s in f.samples}

    def sample(samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0)

    samples = scrape()
    five_hour = {"login": LOGIN, "window": "five_hour"}
    assert sample(samples, "claude_proxy_usage_utilization", **five_hour) == 0.91
    assert 3500 < sample(samples, "claude_proxy_usage_seconds_to_reset", **five_hour) <= 3600
    assert sample(samples, "claude_proxy_usage_status", **five_hour, status="allowed_warning") == 1
    assert sample(samples, "claude_proxy_usage_status", **five_hour, status="allowed") == 0
    assert sample(samples, "claude_proxy_usage_utilization", login=LOGIN, window="seven_day") == 0.18
    before = sample(samples, "claude_proxy_usage_refusals_total", window="five_hour", key="")

    upstream.enqueue(refusal(**unified(status="rejected", five_hour=1.0, reset_in=600)))
    for session in ("metrics-refused", "metrics-refused-at-once"):
        response = httpx.post(
            f"{subscribed.url}/v1/messages", json=message_body(), headers={"x-session-id": session}, timeout=60
        )
        assert response.status_code == 429
        logged(response.headers["x-request-id"])

    after = scrape()
    assert sample(after, "claude_proxy_usage_refusals_total", window="five_hour", key="") == before + 2
    assert sample(after, "claude_proxy_usage_status", **five_hour, status="rejected") == 1
