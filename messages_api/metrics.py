"""Prometheus metrics at /metrics: requests as the request log counts them, and the CLI
processes as the live page shows them.

Counters live in this server process and start at zero when it starts; the request log
in the database is the history. /metrics is open like /health until a key is configured
(api_key.ApiKeyMiddleware).
"""

import re

from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from proxy_project.endpoints import label_of
from sessions_admin.instances import ProxyInstance, this_instance
from sessions_admin.usage_windows import STATUSES, UsageWindow

from .claude.registry import runtimes

# A label's values must stay few: paths and model names the client chose are folded.
MODEL_NAME = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,64}$")
TOKEN_KINDS = (
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_input_tokens", "cache_read"),
    ("cache_creation_input_tokens", "cache_creation"),
)
# Seconds: a live process answers in ~0.05 s, a new one in ~1 s, a long answer in minutes.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)
QUEUE_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60)

REQUESTS = Counter(
    "claude_proxy_requests", "Requests answered, by endpoint, model, status, error class and API key",
    ["endpoint", "model", "status", "error_type", "key"],
)  # fmt: skip
TTFB = Histogram(
    "claude_proxy_ttfb_seconds", "Time to the first byte of the answer", ["endpoint", "model"], buckets=LATENCY_BUCKETS
)
DURATION = Histogram(
    "claude_proxy_request_duration_seconds", "Time to the end of the answer", ["endpoint", "model"], buckets=LATENCY_BUCKETS
)
QUEUE_WAIT = Histogram("claude_proxy_queue_wait_seconds", "Time waiting for a turn slot", buckets=QUEUE_BUCKETS)
TOKENS = Counter("claude_proxy_tokens", "Tokens reported by the answers, by model, kind and API key", ["model", "kind", "key"])
REFUSALS = Counter(
    "claude_proxy_usage_refusals", "Requests a spent subscription window refused, by window and API key", ["window", "key"]
)


def model_label(model):
    return model if MODEL_NAME.match(model or "") else ("" if not model else "other")


def observe(record):
    """Count one finished request (messages_api.request_log.RequestRecord)."""
    endpoint, model = label_of(record.endpoint), model_label(record.model)
    # The key's name: as few values as there are keys (rows, the shared one, none).
    key = record.api_key
    REQUESTS.labels(endpoint, model, str(record.status), record.error_type or "none", key).inc()
    if record.ttfb_ms is not None:
        TTFB.labels(endpoint, model).observe(record.ttfb_ms / 1000)
    if record.duration_ms is not None:
        DURATION.labels(endpoint, model).observe(record.duration_ms / 1000)
    if record.queue_wait_ms is not None:
        QUEUE_WAIT.observe(record.queue_wait_ms / 1000)
    for field, kind in TOKEN_KINDS:
        if count := int(record.usage.get(field) or 0):
            TOKENS.labels(model, kind, key).inc(count)
    if record.usage_status == "rejected" and record.error_type:
        REFUSALS.labels(record.usage_window, key).inc()


class ProcessCollector:
    """The live CLI processes, read when scraped: how many in each state, and their memory."""

    def collect(self):
        processes, instance = runtimes.describe(), this_instance()
        count = GaugeMetricFamily(
            "claude_proxy_cli_processes", "Live Claude Code CLI processes", labels=["state", "instance"]
        )
        for state in ("starting", "answering", "waiting_for_tool_result", "idle", "spare"):
            count.add_metric([state, instance], sum(1 for p in processes if p["state"] == state))
        yield count
        rss = GaugeMetricFamily(
            "claude_proxy_cli_rss_bytes", "Resident memory of all live CLI processes", labels=["instance"]
        )
        rss.add_metric([instance], sum(p["rss_mb"] or 0 for p in processes) * 2**20)
        yield rss


class InstanceCollector:
    """Every instance on the database, as its last heartbeat said: a fleet's view from any one."""

    def describe(self):
        return self._families()

    def collect(self):
        up, processes, turns = families = self._families()
        for instance in ProxyInstance.objects.all():
            up.add_metric([instance.name], float(instance.is_alive()))
            processes.add_metric([instance.name], instance.processes)
            turns.add_metric([instance.name], instance.turns)
        return families

    def _families(self):
        return [
            GaugeMetricFamily("claude_proxy_instance_up", "Whether the instance's heartbeat is recent", labels=["instance"]),
            GaugeMetricFamily(
                "claude_proxy_instance_cli_processes", "CLI processes at the instance's last heartbeat", labels=["instance"]
            ),
            GaugeMetricFamily("claude_proxy_instance_turns", "Turns answering at its last heartbeat", labels=["instance"]),
        ]


class UsageWindowCollector:
    """The subscription's windows as last reported, read from the database when scraped."""

    def describe(self):
        # Without it, registering would collect, and read a database not yet migrated.
        return self._families()

    def collect(self):
        utilization, to_reset, status = families = self._families()
        for window in UsageWindow.objects.all():
            names = [window.login, window.window]
            if window.utilization is not None:
                utilization.add_metric(names, window.utilization)
            if window.resets_at is not None:
                to_reset.add_metric(names, window.seconds_to_reset())
            for value, _ in STATUSES:
                status.add_metric([*names, value], float(window.status == value))
        return families

    def _families(self):
        labels = ["login", "window"]
        utilization = GaugeMetricFamily(
            "claude_proxy_usage_utilization", "Share of the subscription window used (0-1)", labels=labels
        )
        to_reset = GaugeMetricFamily(
            "claude_proxy_usage_seconds_to_reset", "Seconds until the subscription window resets", labels=labels
        )
        status = GaugeMetricFamily(
            "claude_proxy_usage_status", "The subscription window's status (1 for the current one)",
            labels=[*labels, "status"],
        )  # fmt: skip
        return [utilization, to_reset, status]


REGISTRY.register(ProcessCollector())
REGISTRY.register(UsageWindowCollector())
REGISTRY.register(InstanceCollector())


@require_GET
def metrics_view(request):
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
