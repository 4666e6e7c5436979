"""With no CLI where the proxy looks for it, /v1/messages, /health and /readyz agree: 503,
"Claude Code CLI not found at <path>", the path the proxy looked for."""

import httpx
import pytest

from tests.conftest import TEST_ROOT
from tests.helpers import message_body
from tests.proxy_server import ProxyServer


def _not_executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(0o644)
    return path


CLI_PATHS = {
    "missing": lambda folder: folder / "no-such-claude",
    # The SDK reports this one as a failed start, not as a missing CLI; /readyz calls it not found.
    "not-executable": lambda folder: _not_executable(folder / "claude"),
}


@pytest.fixture(scope="module", params=list(CLI_PATHS))
def cli_less(request, cli_env):
    """One proxy whose CLAUDE_PROXY_CLI_PATH names no executable file, and that path."""
    folder = TEST_ROOT / f"cli-less-{request.param}"
    folder.mkdir(exist_ok=True)
    path = CLI_PATHS[request.param](folder)
    server = ProxyServer({**cli_env, "CLAUDE_PROXY_CLI_PATH": str(path)}, TEST_ROOT / "data").start()
    yield server, path
    server.stop()


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_it_answers_a_message_with_a_503_naming_the_cli_path(cli_less, upstream, stream):
    proxy, path = cli_less

    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(stream=stream), timeout=60)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"type": "error", "error": {"type": "api_error", "message": f"Claude Code CLI not found at {path}"}}
    assert upstream.message_requests() == []


def test_it_is_unhealthy_on_health_naming_the_cli_path(cli_less):
    proxy, path = cli_less

    response = httpx.get(f"{proxy.url}/health", timeout=30)

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "error": f"Claude Code CLI not found at {path}"}


def test_it_is_not_ready_on_readyz_naming_the_cli_path(cli_less):
    proxy, path = cli_less

    response = httpx.get(f"{proxy.url}/readyz", timeout=30)

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "checks": {"database": "ok", "cli": f"not found at {path}"}}
