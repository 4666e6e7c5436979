"""/health, /livez and /readyz: open, never logged, and honest about the CLI's login."""

import stat

import httpx

from messages_api.claude.options import cli_path
from sessions_admin.models import RequestLog
from tests.helpers import message_body

PROBES = ("/health", "/livez", "/readyz")


def executable(path, script):
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def get(server, path):
    return httpx.get(f"{server.url}{path}", timeout=30)


def test_it_is_healthy_when_the_cli_is_logged_in_with_an_api_key(start_proxy):
    server = start_proxy()

    response = get(server, "/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "auth": {"loggedIn": True, "email": None, "subscriptionType": None},
        "authMethod": "api_key",
    }


def test_it_is_unhealthy_when_the_cli_is_not_logged_in(start_proxy):
    # An empty ANTHROPIC_API_KEY counts as none: `claude auth status` says loggedIn false.
    server = start_proxy(ANTHROPIC_API_KEY="")

    response = get(server, "/health")
    answer = httpx.post(f"{server.url}/v1/messages", json=message_body(stream=False), timeout=60)

    assert response.status_code == 503
    hint = f"Run `python manage.py claude_login` in the proxy's folder (that is `{cli_path()} auth login`), then retry."
    assert response.json() == {
        "status": "unhealthy",
        "error": f"Claude Code is not logged in. {hint}",
        "auth": {"loggedIn": False},
    }
    # A request gets the same diagnosis and the same remedy.
    assert answer.status_code == 401
    assert answer.json()["error"]["message"].endswith(hint)


def test_it_is_degraded_when_the_cli_answers_garbage(start_proxy, tmp_path):
    cli = executable(tmp_path / "claude", "#!/bin/sh\necho 'this is not json'\n")
    server = start_proxy(CLAUDE_PROXY_CLI_PATH=str(cli))

    response = get(server, "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "error": "Could not verify auth status"}


def test_it_is_degraded_when_the_cli_answers_json_without_loggedin(start_proxy, tmp_path):
    cli = executable(tmp_path / "claude", "#!/bin/sh\necho '{\"authMethod\": \"none\"}'\n")
    server = start_proxy(CLAUDE_PROXY_CLI_PATH=str(cli))

    response = get(server, "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "error": "Could not verify auth status"}


def test_it_is_live_whenever_it_answers(proxy):
    response = get(proxy, "/livez")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_is_ready_when_the_database_and_the_cli_are_there(proxy):
    response = get(proxy, "/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "cli": "ok"}}


def test_it_is_not_ready_when_the_cli_is_missing_naming_the_path(start_proxy, tmp_path):
    missing = tmp_path / "no-such-claude"
    server = start_proxy(CLAUDE_PROXY_CLI_PATH=str(missing))

    response = get(server, "/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"database": "ok", "cli": f"not found at {missing}"}}


def test_it_is_not_ready_when_the_cli_is_not_executable(start_proxy, tmp_path):
    cli = tmp_path / "claude"
    cli.write_text("#!/bin/sh\n")
    cli.chmod(0o644)
    server = start_proxy(CLAUDE_PROXY_CLI_PATH=str(cli))

    response = get(server, "/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cli": f"not found at {cli}"}


def test_it_refuses_a_post_to_health_with_a_json_envelope_and_allow_get(proxy):
    response = httpx.post(f"{proxy.url}/health", timeout=30)

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "Method POST not allowed; use GET"},
    }


def test_it_writes_no_request_log_for_health_probes(proxy):
    for path in PROBES:
        assert get(proxy, path).status_code in (200, 503)
    assert httpx.post(f"{proxy.url}/livez", timeout=30).status_code == 405

    assert not RequestLog.objects.filter(endpoint__in=PROBES).exists()
