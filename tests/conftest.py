"""Shared fixtures: the fake Anthropic upstream, the proxy as a real daphne process,
and the test process's own Django, reading the same database as the proxy: a new SQLite
file, or with DATABASE_URL a new PostgreSQL database on that server."""

import json
import os
import socket
import tempfile
from pathlib import Path

import pytest

TEST_ROOT = Path(tempfile.mkdtemp(prefix="claude-proxy-tests-"))
os.environ["CLAUDE_PROXY_DATA_DIR"] = str(TEST_ROOT / "data")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")
if os.environ.get("DATABASE_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker names its databases after itself (test_<name>_gw0, …),
    # so two workers never create or drop the same one.
    from urllib.parse import urlsplit

    given = urlsplit(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = given._replace(path=f"{given.path}_{os.environ['PYTEST_XDIST_WORKER']}").geturl()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from sessions_admin.models import ApiKey, StoredResponse, UsageWindow  # noqa: E402
from tests.helpers import own_postgresql_database  # noqa: E402
from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.subscription import EMAIL, LOGIN  # noqa: E402
from tests.upstream.server import FakeUpstream  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def run_database():
    """The run's database, migrated, new as the run is: the SQLite file in TEST_ROOT, or on
    PostgreSQL a database of its own (test_<name>) that the proxies it starts use too."""
    if connection.vendor != "postgresql":
        call_command("migrate", verbosity=0)
        yield
        return
    with own_postgresql_database():
        yield


@pytest.fixture(scope="session")
def upstream_server():
    server = FakeUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(upstream_server):
    """The fake Anthropic API, with an empty script and no recorded requests."""
    upstream_server.reset()
    yield upstream_server
    upstream_server.reset()
    upstream_server.default_reply = FakeUpstream.DEFAULT_REPLY


@pytest.fixture(scope="session")
def cli_env(upstream_server):
    return cli_test_env(upstream_server.url, TEST_ROOT / "cli-home")


@pytest.fixture(scope="session")
def proxy(cli_env):
    """The proxy as a real daphne process whose CLI calls the fake upstream."""
    server = ProxyServer(cli_env, TEST_ROOT / "data").start()
    yield server
    server.stop()


@pytest.fixture
def start_proxy(cli_env, tmp_path):
    """Start a proxy with extra settings (env); it is stopped after the test."""
    started = []

    def start(**settings):
        server = ProxyServer({**cli_env, **settings}, TEST_ROOT / "data").start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def stored_responses(proxy):
    """The responses stored for previous_response_id during the test (a proxy has migrated
    the shared database by then): they go with it."""
    mine = StoredResponse.objects.filter(created__gte=timezone.now())
    yield mine
    mine.delete()


@pytest.fixture(scope="module")
def subscribed(cli_env):
    """A proxy whose CLI runs on a (fake) subscription token, not an API key: only then
    does the CLI read the unified headers. Its own login, so its windows are its own."""
    config = TEST_ROOT / "subscribed-home" / ".claude"
    config.mkdir(parents=True, exist_ok=True)
    (config / ".claude.json").write_text(json.dumps({"oauthAccount": {"emailAddress": EMAIL}}))
    env = {
        **cli_env,
        "ANTHROPIC_API_KEY": "",
        "CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-fake-subscription",
        "CLAUDE_CONFIG_DIR": str(config),
    }
    server = ProxyServer(env, TEST_ROOT / "data").start()
    yield server
    server.stop()


@pytest.fixture
def windows():
    """This login's windows, none at the start of the test and none left after it."""
    UsageWindow.objects.filter(login=LOGIN).delete()
    yield UsageWindow.objects.filter(login=LOGIN)
    UsageWindow.objects.filter(login=LOGIN).delete()


@pytest.fixture(scope="module")
def own_database():
    """A database of the module's own, in memory and migrated, in place of the one the
    suite shares with the proxies: what the module counts is only what it wrote, however
    many rows other tests left and however old they have grown. Not for a module that
    asks a proxy, which still uses the shared one."""
    shared = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        # The pool's connections are to the shared database: with it closed (this thread's
        # connection given back first, or closing it would open the pool again), the next
        # connection opens a pool to the module's.
        connection.close()
        connection.close_pool()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    yield
    connection.creation.destroy_test_db(shared, verbosity=0)
    # SQLite ignores close() on an in-memory database; named the shared one again, it closes.
    connection.close()


@pytest.fixture
def own_rows(own_database):
    """The module's own database, empty at the start of each test: its writes are rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def keys():
    """make(name, logins=(), fallback=False, model_families=()) → (ApiKey, secret): keys
    made for the test, gone after it (while there is one, every proxy on the database
    wants a key)."""
    made = []

    def make(name, logins=(), fallback=False, model_families=()):
        key, secret = ApiKey.objects.create_key(name, logins=logins, fallback=fallback, model_families=model_families)
        made.append(key.pk)
        return key, secret

    yield make
    ApiKey.objects.filter(pk__in=made).delete()


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def offline(monkeypatch):
    """The hosts a client library looked up other than this machine's: there must be none
    (no price list, no telemetry, no traces fetched or sent)."""
    looked_up = []
    resolve = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host not in LOOPBACK:
            looked_up.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "the tests run offline")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    yield looked_up
    assert looked_up == []
