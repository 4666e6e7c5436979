"""The shipped systemd unit and launchd plist restart `manage.py serve` when it dies."""

import configparser
import plistlib
from pathlib import Path

SERVICE = Path(__file__).resolve().parent.parent / "proxy_project" / "service"


def test_it_ships_a_systemd_user_unit_that_restarts_the_server():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(SERVICE / "claude-max-proxy.service")

    assert unit["Service"]["ExecStart"].endswith("/.venv/bin/python manage.py serve")
    assert unit["Service"]["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "default.target"


def test_it_ships_a_launchd_agent_that_keeps_the_server_alive():
    agent = plistlib.loads((SERVICE / "com.claude-max-proxy.plist").read_bytes())

    assert agent["ProgramArguments"][1:] == ["manage.py", "serve"]
    assert agent["KeepAlive"] is True
    assert agent["RunAtLoad"] is True
