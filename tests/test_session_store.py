"""DjangoSessionStore keeps the SDK's SessionStore contracts (its own conformance suite)."""

import asyncio

from asgiref.sync import sync_to_async
from claude_agent_sdk.testing import run_session_store_conformance
from django.db import connection

from sessions_admin.models import TranscriptEntry, TranscriptSummary
from sessions_admin.store import DjangoSessionStore


def _empty_store():
    TranscriptEntry.objects.all().delete()
    TranscriptSummary.objects.all().delete()
    return DjangoSessionStore()


def test_it_passes_the_sdk_session_store_conformance_suite():
    asyncio.run(run_session_store_conformance(sync_to_async(_empty_store)))


def test_it_ignores_an_entry_it_already_has():
    store = _empty_store()
    key = {"project_key": "p", "session_id": "s"}

    async def append_twice():
        await store.append(key, [{"type": "user", "uuid": "u1", "n": 1}])
        await store.append(key, [{"type": "user", "uuid": "u1", "n": 1}, {"type": "title", "n": 2}])
        return await store.load(key)

    assert asyncio.run(append_twice()) == [{"type": "user", "uuid": "u1", "n": 1}, {"type": "title", "n": 2}]


def test_it_gives_back_its_connection_after_each_call():
    """The SDK calls it from a CLI process's task, which outlives the request whose thread
    ran it: a connection left open there would never return to the pool."""
    store = _empty_store()
    key = {"project_key": "p", "session_id": "s"}

    async def open_after(call):
        await call
        return await sync_to_async(lambda: connection.connection is not None)()

    assert asyncio.run(open_after(store.append(key, [{"type": "user", "uuid": "u1"}]))) is False
    assert asyncio.run(open_after(store.load(key))) is False
    assert asyncio.run(open_after(store.list_sessions("p"))) is False
    assert asyncio.run(open_after(store.list_session_summaries("p"))) is False
    assert asyncio.run(open_after(store.list_subkeys(key))) is False
    assert asyncio.run(open_after(store.delete(key))) is False
