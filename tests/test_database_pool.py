"""On PostgreSQL a proxy answers any number of conversations from a small connection pool
(no conversation keeps a connection once its turn has ended), and goes on answering when
the server drops its connections (a restart, a failover)."""

import httpx
import pytest
from django.db import connection

from tests.helpers import assistant, message_body, user

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")


def test_it_answers_more_conversations_than_the_pool_has_connections(start_proxy, upstream):
    # A query waits 3 s for a free connection before it fails: a connection kept by each
    # conversation's CLI process would fail the third conversation.
    proxy = start_proxy(CLAUDE_PROXY_DB_POOL_MIN="1", CLAUDE_PROXY_DB_POOL_MAX="2", CLAUDE_PROXY_DB_POOL_TIMEOUT="3")

    for n in range(5):
        history = [user(f"Pool {n}")]
        for turn in range(2):
            response = httpx.post(
                f"{proxy.url}/v1/messages",
                json=message_body(messages=history, stream=False),
                headers={"x-session-id": f"pool-{n}"},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            history += [assistant(response.json()["content"][0]["text"]), user(f"And turn {turn + 2}?")]

    assert len(upstream.message_requests()) == 10


def test_it_answers_after_the_server_dropped_its_connections(start_proxy, upstream):
    proxy = start_proxy()

    def ask(text):
        return httpx.post(f"{proxy.url}/v1/messages", json=message_body(text, stream=False), timeout=60).status_code

    assert ask("Before") == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    # Each connection is checked as the pool hands it out: a dropped one is replaced, not used.
    assert [ask(f"After {n}") for n in range(4)] == [200, 200, 200, 200]
