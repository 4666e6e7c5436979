"""DjangoSessionStore: the SDK's SessionStore protocol over the ORM.

The CLI writes its transcript to local disk; the SDK mirrors each batch here, and a
resume rebuilds the transcript from here, so a conversation survives a restart and
even the loss of the CLI's own files.
"""

import threading
import time

from channels.db import database_sync_to_async
from claude_agent_sdk import SessionStore, fold_session_summary
from django.db import transaction
from django.db.models import Max

from .models import TranscriptEntry, TranscriptSummary

class WriteClock:
    """Storage write times in epoch ms, strictly increasing within this process (the SDK
    orders a session's entries by them); any thread may ask."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last_ms = 0

    def __call__(self):
        with self._lock:
            self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
            return self._last_ms


# Process state, but the persistence app's: it may not reach the engine's server_state.
write_ms = WriteClock()


def _where(key):
    return {"project_key": key["project_key"], "session_id": key["session_id"], "subpath": key.get("subpath") or ""}


class DjangoSessionStore(SessionStore):
    """Every call goes through database_sync_to_async, which gives back its thread's
    connection when it ends: the SDK calls from the CLI process's task, which outlives the
    request whose thread would otherwise keep a connection (on PostgreSQL, one taken from
    the pool for good)."""

    async def append(self, key, entries):
        if entries:
            await database_sync_to_async(self._append)(key, entries)

    def _append(self, key, entries):
        where, now = _where(key), write_ms()
        rows = [TranscriptEntry(**where, uuid=entry.get("uuid") or "", entry=entry, written_ms=now) for entry in entries]
        with transaction.atomic():
            TranscriptEntry.objects.bulk_create(rows, ignore_conflicts=True)
            if not where["subpath"]:  # subagent transcripts stay out of the main summary
                self._fold_summary(key, entries, now)

    def _fold_summary(self, key, entries, now):
        # The row locked before it is read: two appends at once (a retry the SDK sent after
        # a timeout, two instances) fold one after the other, the second into the first's.
        row, created = TranscriptSummary.objects.select_for_update().get_or_create(
            project_key=key["project_key"], session_id=key["session_id"], defaults={"summary": {}}
        )
        row.summary = fold_session_summary(None if created else row.summary, key, entries)
        row.summary["mtime"] = now
        row.save(update_fields=["summary"])

    async def load(self, key):
        return await database_sync_to_async(self._load)(key)

    def _load(self, key):
        entries = list(TranscriptEntry.objects.of(**_where(key)).values_list("entry", flat=True))
        return entries or None

    async def list_sessions(self, project_key):
        return await database_sync_to_async(self._list_sessions)(project_key)

    def _list_sessions(self, project_key):
        rows = (
            TranscriptEntry.objects.filter(project_key=project_key, subpath="")
            .values("session_id")
            .annotate(mtime=Max("written_ms"))
        )
        return [{"session_id": row["session_id"], "mtime": row["mtime"]} for row in rows]

    async def list_session_summaries(self, project_key):
        return await database_sync_to_async(self._list_session_summaries)(project_key)

    def _list_session_summaries(self, project_key):
        return [row.summary for row in TranscriptSummary.objects.filter(project_key=project_key)]

    async def delete(self, key):
        await database_sync_to_async(self._delete)(key)

    def _delete(self, key):
        entries = TranscriptEntry.objects.filter(project_key=key["project_key"], session_id=key["session_id"])
        with transaction.atomic():
            if key.get("subpath"):
                entries.filter(subpath=key["subpath"]).delete()
                return
            entries.delete()  # the main transcript takes its subagents with it
            TranscriptSummary.objects.filter(project_key=key["project_key"], session_id=key["session_id"]).delete()

    async def list_subkeys(self, key):
        return await database_sync_to_async(self._list_subkeys)(key)

    def _list_subkeys(self, key):
        subpaths = (
            TranscriptEntry.objects.filter(project_key=key["project_key"], session_id=key["session_id"])
            .exclude(subpath="")
            .values_list("subpath", flat=True)
            .distinct()
        )
        return list(subpaths)
