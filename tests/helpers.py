"""Small helpers the integration tests share."""

import glob
import hashlib
import json
import os
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from websockets.sync.client import connect

from sessions_admin.models import RequestLog
from tests.proxy_server import REPO


def logged(request_id, timeout=10):
    """The RequestLog row of `request_id`, waiting for a stream that is still closing."""
    deadline = time.monotonic() + timeout
    while True:
        row = RequestLog.objects.filter(request_id=request_id).first()
        if row is not None or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def unlogged_since(server, since, endpoint):
    """No request to `endpoint` logged since `since`, once a logged request sent after it
    has its row: a row of the earlier one, saved when its response ended, would be there
    by then. Rows of other endpoints, other tests' included, do not count."""
    barrier = httpx.get(f"{server.url}/v1/unlogged-since-barrier", timeout=30)
    assert logged(barrier.headers["x-request-id"]) is not None
    return not RequestLog.objects.filter(endpoint=endpoint, created__gte=since).exists()


def sse_events(raw):
    """(event name, data dict) pairs from raw SSE bytes; comments (pings) left out."""
    events = []
    for chunk in raw.decode().split("\n\n"):
        lines = [line for line in chunk.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        name = lines[0].removeprefix("event: ")
        data = json.loads(lines[1].removeprefix("data: "))
        events.append((name, data))
    return events


def message_body(text="Hello?", **fields):
    """A request body; streamed unless `stream=False` is given (the API's own default is
    JSON: tests of that leave the key out on purpose)."""
    body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": text}]}
    return {**body, "stream": True, **fields}


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def user(text):
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def assistant(text):
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def open_activity(server, session=None, origin=None):
    """The admin's live activity websocket, opened as a page of the admin's origin does."""
    headers = {"Cookie": f"sessionid={session}"} if session else None
    return connect(f"ws://127.0.0.1:{server.port}/ws/activity/", origin=origin or server.url, additional_headers=headers, open_timeout=10)


def receive(ws, timeout=10):
    return json.loads(ws.recv(timeout=timeout))


def forced_session(user):
    """The sessionid cookie of `user`, logged in without the login form: any proxy on the
    tests' database takes it."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def staff_cookie():
    user, _ = get_user_model().objects.get_or_create(username="tests-staff", defaults={"is_staff": True})
    return forced_session(user)


def live_processes(server, session):
    """The server's CLI processes (runtimes.describe()) from the snapshot a live page opens with."""
    with open_activity(server, session=session) as ws:
        snapshot = receive(ws)
    assert snapshot["event"] == "snapshot"
    return snapshot["processes"]


def wait_for_processes(server, session, condition, timeout=20):
    """The server's CLI processes once `condition(processes)` holds."""
    deadline = time.monotonic() + timeout
    while not condition(processes := live_processes(server, session)):
        assert time.monotonic() < deadline, f"timed out; the processes: {processes}"
        time.sleep(0.05)
    return processes


def database_url(name):
    """DATABASE_URL, naming the database `name` on the same server."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


@contextmanager
def own_postgresql_database():
    """A new database (test_<name>, migrated) on the PostgreSQL server DATABASE_URL names,
    which DATABASE_URL names meanwhile, for the proxies started in it; dropped after."""
    given, shared = os.environ["DATABASE_URL"], connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    os.environ["DATABASE_URL"] = database_url(name)
    try:
        yield os.environ["DATABASE_URL"]
    finally:
        os.environ["DATABASE_URL"] = given
        connection.close()
        # A proxy just stopped may leave its server process a moment behind it, which
        # DROP DATABASE would refuse ("being accessed by other users"): end those first.
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        connection.creation.destroy_test_db(shared, verbosity=0)


CODEX_VERSION = "0.169.0"


def codex_binary():
    """Codex CLI's native binary, which its npm package ships (`bash .ci/run` installs it),
    or $CODEX_BIN; None when neither is there."""
    if os.environ.get("CODEX_BIN"):
        return os.environ["CODEX_BIN"]
    found = sorted(glob.glob(str(REPO / "node_modules/@openai/codex-linux-*/vendor/*/bin/codex")))
    return found[0] if found else None
