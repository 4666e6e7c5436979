"""/metrics: Prometheus text that prometheus_client parses, counting what was requested."""

import httpx
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import logged, message_body, unlogged_since
from tests.upstream import replies


def scrape(server, **headers):
    response = httpx.get(f"{server.url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def value(families, family, sample_name, **labels):
    """The samples' values with these labels, added up over the labels not named (0 when
    there is none yet): another test's requests under another key are a sample of their own."""
    samples = families[family].samples if family in families else ()
    return sum(
        sample.value
        for sample in samples
        if sample.name == sample_name and all(sample.labels.get(key) == want for key, want in labels.items())
    )


def requests_counted(families, **labels):
    return value(families, "claude_proxy_requests", "claude_proxy_requests_total", **labels)


def test_it_counts_requests_by_endpoint_model_status_and_error_class(proxy, upstream):
    before = scrape(proxy)
    upstream.enqueue(replies.text("One.", input_tokens=13, output_tokens=5), replies.error(429), replies.text("Two.", input_tokens=13, output_tokens=5))
    made = [
        httpx.post(f"{proxy.url}/v1/messages", json=message_body(f"Metrics {n}", stream=False), timeout=60)
        for n in range(3)
    ]
    made.append(httpx.post(f"{proxy.url}/v1/messages", content=b"{not json", timeout=30))
    assert [response.status_code for response in made] == [200, 429, 200, 400]
    assert all(logged(response.headers["x-request-id"]) for response in made)

    after = scrape(proxy)

    def delta(**labels):
        return requests_counted(after, **labels) - requests_counted(before, **labels)

    ok = {"endpoint": "/v1/messages", "model": "claude-sonnet-4-5", "status": "200", "error_type": "none"}
    limited = {**ok, "status": "429", "error_type": "rate_limit_error"}
    bad = {"endpoint": "/v1/messages", "model": "", "status": "400", "error_type": "invalid_request_error"}
    assert (delta(**ok), delta(**limited), delta(**bad)) == (2, 1, 1)
    assert sum(s.value for s in after["claude_proxy_requests"].samples if s.name.endswith("_total")) - sum(
        s.value for s in before["claude_proxy_requests"].samples if s.name.endswith("_total")
    ) == len(made)
    # The histograms count what the log timed.
    ttfb = {"endpoint": "/v1/messages", "model": "claude-sonnet-4-5"}
    timed = [logged(response.headers["x-request-id"]) for response in made]
    assert value(after, "claude_proxy_ttfb_seconds", "claude_proxy_ttfb_seconds_count", **ttfb) - value(
        before, "claude_proxy_ttfb_seconds", "claude_proxy_ttfb_seconds_count", **ttfb
    ) == sum(1 for row in timed if row.ttfb_ms is not None and row.model)
    assert value(after, "claude_proxy_queue_wait_seconds", "claude_proxy_queue_wait_seconds_count") - value(
        before, "claude_proxy_queue_wait_seconds", "claude_proxy_queue_wait_seconds_count"
    ) == sum(1 for row in timed if row.queue_wait_ms is not None)
    tokens = {"model": "claude-sonnet-4-5", "kind": "output"}
    assert value(after, "claude_proxy_tokens", "claude_proxy_tokens_total", **tokens) - value(
        before, "claude_proxy_tokens", "claude_proxy_tokens_total", **tokens
    ) == sum(row.output_tokens for row in timed)


def test_it_reports_the_live_cli_processes_and_their_memory(proxy, upstream):
    upstream.enqueue(replies.text("Kept alive."))
    assert httpx.post(f"{proxy.url}/v1/messages", json=message_body("Metrics process", stream=False), timeout=60).status_code == 200

    families = scrape(proxy)

    assert value(families, "claude_proxy_cli_processes", "claude_proxy_cli_processes", state="idle") >= 1
    assert value(families, "claude_proxy_cli_rss_bytes", "claude_proxy_cli_rss_bytes") > 50 * 2**20


def test_it_is_not_written_to_the_request_log(proxy):
    started = timezone.now()

    scrape(proxy)

    assert unlogged_since(proxy, started, "/metrics")


def test_it_takes_the_api_key_when_one_is_set(start_proxy):
    server = start_proxy(CLAUDE_PROXY_API_KEY="metrics-secret")

    refused = httpx.get(f"{server.url}/metrics", timeout=30)

    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    assert "claude_proxy_requests" in scrape(server, **{"x-api-key": "metrics-secret"})
    assert "claude_proxy_requests" in scrape(server, authorization="Bearer metrics-secret")


def test_it_counts_requests_and_tokens_by_api_key(proxy, upstream, keys):
    _, secret = keys("metrics-bot")
    upstream.enqueue(replies.text("Counted.", input_tokens=13, output_tokens=5))
    headers = {"x-api-key": secret}
    before = scrape(proxy, **headers)

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Metrics per key", stream=False), headers=headers, timeout=60)
    assert response.status_code == 200
    assert logged(response.headers["x-request-id"]).api_key == "metrics-bot"
    after = scrape(proxy, **headers)

    mine = {"endpoint": "/v1/messages", "status": "200", "key": "metrics-bot"}
    assert requests_counted(after, **mine) - requests_counted(before, **mine) == 1
    tokens = {"kind": "output", "key": "metrics-bot"}
    assert value(after, "claude_proxy_tokens", "claude_proxy_tokens_total", **tokens) - value(
        before, "claude_proxy_tokens", "claude_proxy_tokens_total", **tokens
    ) == 5
