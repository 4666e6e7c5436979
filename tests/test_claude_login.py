"""`manage.py claude_login` runs the CLI's own `auth login`, with this terminal."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _fake_cli(tmp_path, exit_code):
    cli = tmp_path / "claude"
    # `auth status` answers as the CLI does once signed in; `auth login` echoes its arguments.
    status = """if [ "$2" = status ]; then echo '{"loggedIn": true, "email": "me@example.com"}'; exit 0; fi\n"""
    cli.write_text(f'#!/bin/sh\n{status}echo "called with: $*"\nexit {exit_code}\n')
    cli.chmod(0o755)
    return cli


def _login(tmp_path, cli):
    env = {**os.environ, "CLAUDE_PROXY_CLI_PATH": str(cli)}
    return subprocess.run([sys.executable, "manage.py", "claude_login"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_it_runs_the_clis_auth_login(tmp_path):
    cli = _fake_cli(tmp_path, 0)

    result = _login(tmp_path, cli)

    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"Running {cli} auth login",
        "called with: auth login",
        "Signed in: login default is me@example.com.",
    ]


def test_it_fails_with_the_clis_exit_code(tmp_path):
    cli = _fake_cli(tmp_path, 3)

    result = _login(tmp_path, cli)

    assert result.returncode == 1
    assert f"{cli} auth login exited with 3" in result.stderr
