"""DjangoSessionStore keeps the SDK's SessionStore contracts (its own conformance suite)."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from claude_agent_sdk.testing import run_session_store_conformance
from django.db import connection

from sessions_admin import store as store_module
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


def _append_apart(store, key, entries):
    """An append in a thread of its own, as the SDK's calls from two requests run."""

    async def append():
        async with ThreadSensitiveContext():
            await store.append(key, entries)

    thread = threading.Thread(target=asyncio.run, args=(append(),))
    thread.start()
    return thread


def _waits_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one transaction at a time")
def test_it_folds_two_appends_at_once_into_the_summary_one_after_the_other(monkeypatch):
    store, key = _empty_store(), {"project_key": "p", "session_id": "s"}
    first_folding, go_on, fold = threading.Event(), threading.Event(), store_module.fold_session_summary

    def first_fold_waits(previous, key, entries):
        if not first_folding.is_set():
            first_folding.set()
            go_on.wait(timeout=30)
        return fold(previous, key, entries)

    monkeypatch.setattr(store_module, "fold_session_summary", first_fold_waits)
    first = _append_apart(store, key, [{"type": "user", "cwd": "/first"}])
    assert first_folding.wait(timeout=30)
    second = _append_apart(store, key, [{"type": "tag", "tag": "second"}])
    # The second waits for the first's lock; were there none, it would write and be done.
    deadline = time.monotonic() + 30
    while second.is_alive() and not _waits_on_a_lock():
        assert time.monotonic() < deadline, "the second append neither waited nor ended"
        time.sleep(0.01)
    go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)

    [summary] = asyncio.run(store.list_session_summaries("p"))
    assert (summary["data"]["cwd"], summary["data"]["tag"]) == ("/first", "second")
