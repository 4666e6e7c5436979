"""Claude Code itself, pointed at the proxy as its Anthropic API, gets its answer in
one request per prompt: its body (system messages among the messages, its own tools,
context management) is taken as the API would take it."""

import subprocess

from django.utils import timezone

from messages_api.claude.options import cli_path
from sessions_admin.models import RequestLog
from tests.upstream import replies


def test_it_answers_claude_code_as_a_client_in_one_request(proxy, upstream, tmp_path):
    upstream.default_reply = lambda: replies.text("Hello to Claude Code.")
    (tmp_path / ".claude").mkdir()
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
    }
    started = timezone.now()

    result = subprocess.run(
        [str(cli_path()), "-p", "Say hello"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Hello to Claude Code."
    asked = RequestLog.objects.filter(created__gte=started, method="POST")
    assert [(row.endpoint, row.status) for row in asked] == [("/v1/messages", 200)]
    [sent] = upstream.message_requests()
    assert "Say hello" in sent.user_texts()
