"""`manage.py serve`: refuses what cannot work, with one short message, before serving."""

import os
import socket
import stat
import subprocess
import sys

import httpx
import pytest

from tests.proxy_server import REPO, ProxyServer, free_port


def serve(*args, env=None, data_dir, timeout=30):
    environment = {**os.environ, "CLAUDE_PROXY_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run(
        [sys.executable, "manage.py", "serve", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_it_refuses_a_port_in_use_with_a_short_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = serve("--port", str(port), data_dir=tmp_path)

    assert result.returncode == 1
    assert f"Port {port} is already in use on 127.0.0.1" in result.stderr
    assert f"--port {port + 1}" in result.stderr
    assert f"CLAUDE_PROXY_PORT={port + 1}" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_to_call_itself_through_anthropic_base_url(tmp_path):
    port = free_port()

    result = serve("--port", str(port), env={"ANTHROPIC_BASE_URL": f"http://localhost:{port}"}, data_dir=tmp_path)

    assert result.returncode == 1
    assert f"ANTHROPIC_BASE_URL=http://localhost:{port} points at this proxy itself" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_a_database_it_cannot_reach_saying_why(tmp_path):
    url = f"postgres://nobody@127.0.0.1:{free_port()}/claude_proxy"

    result = serve("--port", str(free_port()), env={"DATABASE_URL": url}, data_dir=tmp_path)

    assert result.returncode == 1
    assert "Cannot use the database (postgresql, from DATABASE_URL): connection failed:" in result.stderr
    assert "Connection refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_warns_that_an_api_key_bills_the_key_and_serves_anyway(cli_env, tmp_path):
    server = ProxyServer({**cli_env, "ANTHROPIC_API_KEY": "sk-ant-real-looking"}, tmp_path / "data").start()
    try:
        assert httpx.get(f"{server.url}/v1/messages").status_code == 405
    finally:
        server.stop()

    output = server.output()
    assert "Warning: ANTHROPIC_API_KEY is set, so Claude Code will bill that API key" in output
    assert f"listening on http://127.0.0.1:{server.port}" in output
    assert f"ANTHROPIC_BASE_URL=http://127.0.0.1:{server.port} ANTHROPIC_API_KEY=dummy opencode" in output


@pytest.mark.parametrize(("settings", "warned"), [({}, True), ({"CLAUDE_PROXY_API_KEY": "set"}, False)], ids=["no-key", "key"])
def test_it_warns_when_it_listens_beyond_loopback_with_no_key(cli_env, tmp_path, settings, warned):
    # Its own data dir: a database with no ApiKey rows.
    server = ProxyServer({**cli_env, **settings}, tmp_path / "data", host="0.0.0.0").start()
    server.stop()

    said = "Warning: listening on 0.0.0.0 with no API key: anyone who reaches this port uses your subscription."
    assert (said in server.output()) is warned
    assert f"listening on http://0.0.0.0:{server.port}" in server.output()


def test_it_creates_its_database_and_a_private_secret_key_on_first_run(cli_env, tmp_path):
    data_dir = tmp_path / "fresh"
    server = ProxyServer(cli_env, data_dir).start()
    server.stop()

    secret = data_dir / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text()) >= 50
    assert (data_dir / "db.sqlite3").exists()


def test_it_keeps_the_secret_key_across_restarts(cli_env, tmp_path):
    ProxyServer(cli_env, tmp_path).start().stop()
    first = (tmp_path / "secret_key").read_text()
    ProxyServer(cli_env, tmp_path).start().stop()

    assert (tmp_path / "secret_key").read_text() == first


def test_it_creates_an_admin_user_on_first_run_and_says_the_password_once(cli_env, tmp_path):
    first = ProxyServer(cli_env, tmp_path).start()
    first.stop()
    second = ProxyServer(cli_env, tmp_path).start()
    second.stop()

    [line] = [line for line in first.output().splitlines() if "Created the admin user" in line]
    password = line.rsplit("password: ", 1)[1]
    assert len(password) >= 12
    assert "Created the admin user" not in second.output()
    server = ProxyServer(cli_env, tmp_path).start()
    try:
        with httpx.Client(base_url=server.url) as browser:
            browser.get("/admin/login/")
            token = browser.cookies["csrftoken"]
            login = browser.post(
                "/admin/login/?next=/admin/",
                data={"username": "admin", "password": password, "csrfmiddlewaretoken": token},
            )
        assert login.status_code == 302
        assert login.headers["location"] == "/admin/"
    finally:
        server.stop()


def test_it_takes_the_admin_password_from_the_environment(cli_env, tmp_path):
    server = ProxyServer({**cli_env, "CLAUDE_PROXY_ADMIN_PASSWORD": "chosen-password"}, tmp_path).start()
    server.stop()

    assert "password: from CLAUDE_PROXY_ADMIN_PASSWORD" in server.output()
    assert "chosen-password" not in server.output()


def test_it_prints_how_each_kind_of_client_is_pointed_at_it(proxy):
    url = proxy.url
    lines = proxy.output().splitlines()

    start = lines.index(f"claude-max-proxy listening on {url}")
    assert lines[start + 1 : start + 5] == [
        f"  OpenCode: ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=dummy opencode",
        f"  Claude Code: ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=dummy claude",
        f"  OpenAI clients: base_url={url}/v1 api_key=dummy",
        f"  Codex CLI: python manage.py codex_catalog --url {url}  (writes its model catalog, prints its config.toml lines)",
    ]
