"""One structured log line per request event, with the request id; prompts only on request."""

import subprocess
import sys
import time

import httpx

from tests.helpers import logged, message_body
from tests.proxy_server import REPO


def _wait_for(server, text, timeout=10):
    deadline = time.monotonic() + timeout
    while text not in server.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.output()


def test_it_logs_each_request_event_with_the_request_id(start_proxy, upstream):
    proxy = start_proxy()
    headers = {"x-request-id": "events-log-1"}

    httpx.post(f"{proxy.url}/v1/messages", json=message_body("A secret prompt", stream=False), headers=headers, timeout=60)

    output = _wait_for(proxy, "event=request.end request_id=events-log-1")
    events = [line.split("event=request.")[1].split()[0] for line in output.splitlines() if "request_id=events-log-1" in line]
    assert events == ["start", "first_token", "end"]
    assert "A secret prompt" not in output


def test_it_logs_a_rejected_request_as_an_error_event(start_proxy):
    proxy = start_proxy()

    httpx.post(f"{proxy.url}/v1/messages", content=b"{", headers={"x-request-id": "events-log-2", "content-type": "application/json"})

    output = _wait_for(proxy, "request_id=events-log-2")
    assert "event=request.error request_id=events-log-2 endpoint=/v1/messages model=- status=400 error=invalid_request_error" in output
    assert logged("events-log-2").status == 400


def test_it_logs_prompts_only_when_asked(start_proxy, upstream):
    proxy = start_proxy(CLAUDE_PROXY_LOG_PROMPTS="1")

    httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("A prompt worth logging", stream=False),
        headers={"x-request-id": "events-log-3"},
        timeout=60,
    )

    output = _wait_for(proxy, "A prompt worth logging")
    assert "request_id=events-log-3 prompt=" in output
    assert "A prompt worth logging" in output


def _channel_backend(env):
    code = "from django.conf import settings; print(settings.CHANNEL_LAYERS['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env={**env, "DJANGO_SETTINGS_MODULE": "proxy_project.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_it_keeps_live_activity_in_memory_unless_redis_is_configured(tmp_path):
    import os

    base = {**os.environ, "CLAUDE_PROXY_DATA_DIR": str(tmp_path)}
    base.pop("REDIS_URL", None)

    assert _channel_backend(base) == "channels.layers.InMemoryChannelLayer"
    assert _channel_backend({**base, "REDIS_URL": "redis://127.0.0.1:6379/0"}) == "channels_redis.core.RedisChannelLayer"
