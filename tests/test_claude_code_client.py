"""Claude Code itself (the npm package people install), pointed at the proxy as its
Anthropic API: its body (system messages among the messages, its own tools, context
management, auto mode's `safeguards`) is taken as the API would take it, a tool round
runs on the client, and its model discovery reads /v1/models."""

import json
import subprocess

import httpx
import pytest
from django.utils import timezone

from messages_api.catalog import MODELS
from sessions_admin.models import RequestLog
from tests.helpers import message_body, sse_events
from tests.proxy_server import REPO
from tests.upstream import replies

CLAUDE_CODE = REPO / "node_modules" / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
UNSUPPORTED = [{"type": "dangerous_tool_use", "status": {"type": "unsupported"}}]
# What Claude Code's auto mode sends (its classifier_context cut short).
SAFEGUARDS = [{"type": "dangerous_tool_use", "classifier_context": {"v": 1, "permission_mode": "auto"}}]


@pytest.fixture
def claude_code(proxy, tmp_path):
    """Run Claude Code in -p mode against the proxy, in a home of its own."""
    if not CLAUDE_CODE.exists():
        pytest.skip("@anthropic-ai/claude-code is not installed (.ci/run installs it)")
    (tmp_path / ".claude").mkdir()

    def run(*args, **env):
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "CLAUDE_CONFIG_DIR": str(tmp_path / ".claude"),
            "ANTHROPIC_BASE_URL": proxy.url,
            "ANTHROPIC_API_KEY": "dummy",
            "DISABLE_TELEMETRY": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",
            **env,
        }
        return subprocess.run(
            [str(CLAUDE_CODE), "-p", *args],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    return run


def posted(started):
    return [(row.endpoint, row.status) for row in RequestLog.objects.filter(created__gte=started, method="POST")]


def test_it_answers_claude_code_as_a_client_in_one_request(claude_code, upstream):
    upstream.default_reply = lambda: replies.text("Hello to Claude Code.")
    started = timezone.now()

    result = claude_code("Say hello")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello to Claude Code."
    assert posted(started) == [("/v1/messages", 200)]
    [sent] = upstream.message_requests()
    assert "Say hello" in sent.user_texts()


def test_it_runs_a_tool_round_in_auto_mode_with_no_classifier_call(claude_code, upstream, tmp_path):
    upstream.enqueue(
        replies.tool_use("mcp__client__Bash", {"command": "echo hi > out.txt", "description": "Write hi"}, tool_id="toolu_cc_auto"),
        replies.text("Wrote it."),
    )
    started = timezone.now()

    result = claude_code("--permission-mode", "auto", "Write hi to out.txt")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Wrote it."
    assert (tmp_path / "out.txt").read_text() == "hi\n"
    # The client's prompt and its tool result, nothing more: Claude Code asked for its
    # safeguard, was told it is unsupported, and made no classifier call of its own.
    assert posted(started) == [("/v1/messages", 200), ("/v1/messages", 200)]
    first, second = upstream.message_requests()
    assert [(call_id, is_error) for call_id, _, is_error in second.tool_results()] == [("toolu_cc_auto", False)]
    assert all("safeguards" not in sent.body for sent in (first, second))


def test_it_answers_each_safeguard_unsupported_in_the_message(proxy, upstream):
    upstream.enqueue(replies.text("Checked by nobody."))

    response = httpx.post(
        f"{proxy.url}/v1/messages?beta=true",
        json=message_body("Hello?", stream=False, safeguards=SAFEGUARDS),
        timeout=60,
    )

    assert response.status_code == 200, response.text
    assert response.json()["safeguard_results"] == UNSUPPORTED
    assert response.json()["content"] == [{"type": "text", "text": "Checked by nobody."}]
    [sent] = upstream.message_requests()
    assert "safeguards" not in sent.body


def test_it_answers_each_safeguard_unsupported_in_the_streams_message_delta(proxy, upstream):
    upstream.enqueue(replies.text("Checked by nobody."))

    response = httpx.post(
        f"{proxy.url}/v1/messages?beta=true", json=message_body("Hello?", safeguards=SAFEGUARDS), timeout=60
    )

    assert response.status_code == 200, response.text
    deltas = [data for name, data in sse_events(response.content) if name == "message_delta"]
    assert [delta["delta"]["safeguard_results"] for delta in deltas] == [UNSUPPORTED]
    assert all("safeguard_results" not in data.get("delta", {}) for name, data in sse_events(response.content) if name != "message_delta")


def test_it_sends_no_safeguard_results_unasked(proxy, upstream):
    upstream.enqueue(replies.text("Plain."))

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body("Hello?", stream=False), timeout=60)

    assert "safeguard_results" not in response.json()


def test_it_answers_the_model_check_as_one_capped_call(proxy, upstream):
    # What Claude Code sends when a person switches model: one token of an answer to ".".
    upstream.enqueue(replies.text("O"))
    body = {"model": "claude-opus-4-5", "max_tokens": 1, "messages": [{"role": "user", "content": "."}]}

    response = httpx.post(f"{proxy.url}/v1/messages?beta=true", json=body, timeout=60)

    assert response.status_code == 200, response.text
    assert response.json()["content"] == [{"type": "text", "text": "O"}]
    [sent] = upstream.message_requests()
    assert sent.body["max_tokens"] == 1


def test_it_lists_the_models_claude_code_discovers(claude_code, upstream, proxy, tmp_path):
    upstream.default_reply = lambda: replies.text("Hello.")

    result = claude_code("Say hello", CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY="1")

    assert result.returncode == 0, result.stderr
    cached = json.loads((tmp_path / ".claude" / "cache" / "gateway-models.json").read_text())
    assert cached["baseUrl"] == proxy.url
    assert [(model["id"], model["display_name"]) for model in cached["models"]] == [(id, name) for id, name, _ in MODELS]
