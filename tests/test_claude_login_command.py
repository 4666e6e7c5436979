"""`manage.py claude_login --login NAME` signs another Claude login in, in a config dir
of its own (mode 0700), and keeps its row with what `claude auth status` says. The
browser flow of `auth login` needs the network: a stand-in does it, writing what the
CLI's sign-in writes; `auth status` is the real CLI's."""

import json
import os
import subprocess
import sys
import time

import claude_agent_sdk
import pytest

from sessions_admin.api_keys import ApiKey
from sessions_admin.logins import ClaudeLogin
from tests.proxy_server import REPO

REAL_CLI = os.path.join(os.path.dirname(claude_agent_sdk.__file__), "_bundled", "claude")
CREDENTIALS = {
    "claudeAiOauth": {
        "accessToken": "sk-ant-oat01-fake-team", "refreshToken": "sk-ant-ort01-fake",
        "expiresAt": int(time.time() * 1000) + 10**9, "scopes": ["user:inference"], "subscriptionType": "team",
    }
}  # fmt: skip


@pytest.fixture
def signing_in(tmp_path):
    """The env of a manage.py whose CLI signs in as team@example.com, and the logins dir."""
    cli = tmp_path / "claude"
    cli.write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2" = "auth login" ]; then\n'
        f"  printf '%s' '{json.dumps(CREDENTIALS)}' > \"$CLAUDE_CONFIG_DIR/.credentials.json\"\n"
        """  printf '%s' '{"oauthAccount": {"emailAddress": "team@example.com"}}' > "$CLAUDE_CONFIG_DIR/.claude.json"\n"""
        "  exit 0\n"
        "fi\n"
        f'exec "{REAL_CLI}" "$@"\n'
    )
    cli.chmod(0o755)
    logins = tmp_path / "logins"
    env = {
        **os.environ, "CLAUDE_PROXY_CLI_PATH": str(cli), "CLAUDE_PROXY_LOGINS_DIR": str(logins),
        "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
    }  # fmt: skip
    ClaudeLogin.objects.filter(name="team").delete()
    yield env, logins
    ClaudeLogin.objects.filter(name="team").delete()
    ApiKey.objects.filter(name="team-bot").delete()


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_it_signs_a_login_in_in_a_config_dir_of_its_own(signing_in):
    env, logins = signing_in

    signed_in = manage(env, "claude_login", "--login", "team")

    assert signed_in.returncode == 0, signed_in.stderr
    assert "Signed in: login team is team@example.com." in signed_in.stdout
    config = logins / "team"
    assert os.stat(config).st_mode & 0o777 == 0o700
    assert json.loads((config / ".credentials.json").read_text()) == CREDENTIALS
    login = ClaudeLogin.objects.get(name="team")
    assert (login.email, login.logged_in, login.subscription_type) == ("team@example.com", True, "team")
    assert login.checked_at is not None

    keyed = manage(env, "create_api_key", "team-bot", "--login", "team", "--login", "default", "--fallback")
    assert keyed.returncode == 0, keyed.stderr
    assert "Claude logins, in order: team, default (falls back)" in keyed.stdout
    key = ApiKey.objects.get(name="team-bot")
    assert (key.logins, key.fallback) == (["team", "default"], True)


def test_it_refuses_a_name_that_is_no_slug_and_a_key_for_a_login_there_is_not(signing_in):
    env, logins = signing_in

    bad = manage(env, "claude_login", "--login", "../elsewhere")
    unknown = manage(env, "create_api_key", "team-bot", "--login", "team")

    assert bad.returncode != 0
    assert "A login's name is letters, digits, - and _" in bad.stderr
    assert not logins.exists()
    assert unknown.returncode != 0
    assert "No Claude login named team: add it with manage.py claude_login --login NAME" in unknown.stderr
    assert not ApiKey.objects.filter(name="team-bot").exists()
