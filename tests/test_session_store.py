"""DjangoSessionStore keeps the SDK's SessionStore contracts (its own conformance suite)."""

import asyncio

from asgiref.sync import sync_to_async
from claude_agent_sdk.testing import run_session_store_conformance
from django.core.management import call_command

from sessions_admin.models import TranscriptEntry, TranscriptSummary
from sessions_admin.store import DjangoSessionStore


def _empty_store():
    TranscriptEntry.objects.all().delete()
    TranscriptSummary.objects.all().delete()
    return DjangoSessionStore()


def test_it_passes_the_sdk_session_store_conformance_suite():
    call_command("migrate", verbosity=0)

    asyncio.run(run_session_store_conformance(sync_to_async(_empty_store)))


def test_it_ignores_an_entry_it_already_has():
    call_command("migrate", verbosity=0)
    store = _empty_store()
    key = {"project_key": "p", "session_id": "s"}

    async def append_twice():
        await store.append(key, [{"type": "user", "uuid": "u1", "n": 1}])
        await store.append(key, [{"type": "user", "uuid": "u1", "n": 1}, {"type": "title", "n": 2}])
        return await store.load(key)

    assert asyncio.run(append_twice()) == [{"type": "user", "uuid": "u1", "n": 1}, {"type": "title", "n": 2}]
