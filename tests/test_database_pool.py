"""On PostgreSQL a proxy answers any number of conversations from a small connection pool:
no conversation keeps a connection once its turn has ended."""

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
