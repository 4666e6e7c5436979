"""Instances started together on one new PostgreSQL database all serve: `serve` migrates
(and creates the admin user) one instance at a time."""

import threading

import httpx
import pytest
from django.db import connection

from tests.helpers import database_url
from tests.proxy_server import ProxyServer

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one instance")


@pytest.fixture
def new_database():
    name = f"{connection.settings_dict['NAME']}_together"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}"')


def test_it_serves_from_every_instance_started_at_once(cli_env, tmp_path, new_database):
    servers = [ProxyServer({**cli_env, "DATABASE_URL": new_database}, tmp_path / f"data-{n}") for n in range(3)]
    failures = []

    def start(server):
        try:
            server.start()
        except RuntimeError as failure:  # it exited, its output in the message
            failures.append(str(failure))

    starting = [threading.Thread(target=start, args=(server,)) for server in servers]
    try:
        for thread in starting:
            thread.start()
        for thread in starting:
            thread.join()

        assert failures == []
        assert [httpx.get(f"{server.url}/v1/models", timeout=30).status_code for server in servers] == [200, 200, 200]
    finally:
        for server in servers:
            server.stop()
