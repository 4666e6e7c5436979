"""`manage.py purge_sessions` and Conversation.objects.clear_expired(): old conversations
go, with every transcript entry of the Claude sessions they hold or held.

Each test runs on a database of its own (conftest.own_rows): every count is of its rows."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sessions_admin.models import Conversation, StoredResponse, TranscriptEntry, TranscriptSummary

pytestmark = pytest.mark.usefixtures("own_rows")
PREFIX = "purge-sessions-test-"


def conversation(last_used=None, expires_at=None, previous=True, **leases):
    now = timezone.now()
    last_used = last_used or now
    name = f"purge-{uuid.uuid4().hex}"
    row = Conversation.objects.create(
        key=name,
        key_kind="header",
        scope="s",
        claude_session_id=f"{name}-current",
        previous_session_id=f"{name}-previous" if previous else "",
        created=last_used,
        last_used=last_used,
        expires_at=expires_at or last_used + timedelta(hours=24),
        **leases,
    )
    for session_id in filter(None, (row.claude_session_id, row.previous_session_id)):
        for n in range(2):
            TranscriptEntry.objects.create(
                project_key="p", session_id=session_id, uuid=f"u{n}", entry={"type": "user", "n": n}, written_ms=n
            )
        TranscriptSummary.objects.create(project_key="p", session_id=session_id, summary={"n": 2})
    return row


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def own_keys():
    return set(Conversation.objects.values_list("key", flat=True))


def entries_of(row):
    return TranscriptEntry.objects.filter(session_id__in=[row.claude_session_id, row.previous_session_id]).count()


def summaries_of(row):
    return TranscriptSummary.objects.filter(session_id__in=[row.claude_session_id, row.previous_session_id]).count()


def purge(*args, **options):
    out = StringIO()
    returned = call_command("purge_sessions", *args, stdout=out, **options)
    return returned, out.getvalue()


def test_it_counts_in_a_dry_run_and_deletes_nothing():
    old = [conversation(last_used=ago(days=2)), conversation(last_used=ago(days=3))]
    recent = conversation(last_used=ago(hours=1))

    returned, printed = purge(dry_run=True)

    assert returned == "Would delete 2 conversations."
    assert printed == "Would delete 2 conversations.\n"
    assert own_keys() == {old[0].key, old[1].key, recent.key}
    assert [entries_of(row) for row in (*old, recent)] == [4, 4, 4]


def test_it_deletes_conversations_last_used_before_the_default_cutoff_of_24h():
    conversation(last_used=ago(hours=25))
    recent = conversation(last_used=ago(hours=23))

    returned, printed = purge()

    assert returned == "Deleted 1 conversations."
    assert printed == "Deleted 1 conversations.\n"
    assert own_keys() == {recent.key}


def test_it_deletes_the_transcripts_of_current_and_previous_sessions_with_them():
    old = conversation(last_used=ago(days=2))
    recent = conversation(last_used=ago(minutes=5))
    unrelated = f"unrelated-{uuid.uuid4().hex}"
    TranscriptEntry.objects.create(project_key="p", session_id=unrelated, entry={"type": "user"}, written_ms=1)

    purge()

    assert entries_of(old) == 0
    assert summaries_of(old) == 0
    assert entries_of(recent) == 4
    assert summaries_of(recent) == 2
    assert TranscriptEntry.objects.filter(session_id=unrelated).count() == 1


def test_it_deletes_a_conversation_without_a_previous_session():
    old = conversation(last_used=ago(days=2), previous=False)

    returned, _ = purge()

    assert returned == "Deleted 1 conversations."
    assert own_keys() == set()
    assert TranscriptEntry.objects.filter(session_id=old.claude_session_id).count() == 0


def test_it_reports_none_to_delete_when_nothing_is_old_enough():
    recent = conversation(last_used=ago(minutes=1))

    assert purge(dry_run=True)[0] == "Would delete 0 conversations."
    assert purge()[0] == "Deleted 0 conversations."
    assert own_keys() == {recent.key}


@pytest.mark.parametrize(
    ("older_than", "older", "newer"),
    [
        ("90m", timedelta(minutes=100), timedelta(minutes=80)),
        ("24h", timedelta(hours=25), timedelta(hours=23)),
        ("7d", timedelta(days=8), timedelta(days=6)),
    ],
)
def test_it_takes_the_cutoff_from_older_than(older_than, older, newer):
    old = conversation(last_used=timezone.now() - older)
    kept = conversation(last_used=timezone.now() - newer)

    assert purge(older_than=older_than, dry_run=True)[0] == "Would delete 1 conversations."
    assert purge(older_than=older_than)[0] == "Deleted 1 conversations."
    assert own_keys() == {kept.key}
    assert entries_of(old) == 0
    assert entries_of(kept) == 4


def test_it_reads_older_than_from_the_command_line():
    conversation(last_used=ago(minutes=100))
    kept = conversation(last_used=ago(minutes=80))

    returned, _ = purge("--older-than", "90m")

    assert returned == "Deleted 1 conversations."
    assert own_keys() == {kept.key}


@pytest.mark.parametrize("value", ["5x", "", "-3h"])
def test_it_refuses_a_bad_duration_naming_older_than_and_the_value(value):
    row = conversation(last_used=ago(days=30))

    with pytest.raises(CommandError) as raised:
        purge(older_than=value)

    assert str(raised.value) == f"--older-than: {value!r} is not a duration like 90m, 24h or 7d"
    assert own_keys() == {row.key}


def test_it_deletes_by_last_use_whatever_the_expiry():
    """A conversation expires CLAUDE_PROXY_SESSION_TTL after its last use; the command
    goes by the last use alone, so an expired one used lately stays and an old one goes."""
    expired_but_recent = conversation(last_used=ago(hours=2), expires_at=ago(hours=1))
    old_but_active = conversation(last_used=ago(days=2), expires_at=ago(days=-5))

    assert purge()[0] == "Deleted 1 conversations."
    assert own_keys() == {expired_but_recent.key}
    assert entries_of(old_but_active) == 0


def test_it_clears_expired_conversations_with_their_transcripts():
    expired = conversation(last_used=ago(days=2), expires_at=ago(days=1))
    active = conversation(last_used=ago(days=2), expires_at=ago(days=-1))

    assert Conversation.objects.clear_expired() == 1

    assert own_keys() == {active.key}
    assert entries_of(expired) == 0
    assert summaries_of(expired) == 0
    assert entries_of(active) == 4
    assert summaries_of(active) == 2


def test_it_clears_what_has_expired_by_the_given_time_and_keeps_what_expires_at_it():
    now = timezone.now()
    expired = conversation(last_used=now - timedelta(hours=2), expires_at=now - timedelta(microseconds=1))
    at_the_edge = conversation(last_used=now - timedelta(hours=2), expires_at=now)

    assert Conversation.objects.clear_expired(now=now) == 1

    assert own_keys() == {at_the_edge.key}
    assert entries_of(expired) == 0
    assert entries_of(at_the_edge) == 4


def test_it_clears_nothing_when_nothing_has_expired():
    active = conversation(last_used=ago(hours=2), expires_at=ago(hours=-1))

    assert Conversation.objects.clear_expired() == 0
    assert own_keys() == {active.key}


def test_it_keeps_conversations_an_instance_still_holds():
    """An instance keeping a conversation's CLI live or paused, or answering its turn,
    renews a lease on its row; whichever instance it is, the purge leaves those alone."""
    old = conversation(last_used=ago(hours=30))
    live = conversation(last_used=ago(hours=30), live_on="other-host:3456", live_until=ago(seconds=-20))
    answering = conversation(last_used=ago(hours=30), turn_holder="other-host:3456", turn_held_until=ago(seconds=-20))
    lapsed = conversation(last_used=ago(hours=30), live_on="gone-host:3456", live_until=ago(seconds=5))

    assert purge(older_than="24h")[0] == "Deleted 2 conversations."
    assert own_keys() == {live.key, answering.key}
    assert entries_of(old) == entries_of(lapsed) == 0


def stored_response(created):
    return StoredResponse.objects.create(
        response_id=f"{PREFIX}{uuid.uuid4().hex}", key_kind="fingerprint", key="k", scope="s", created=created,
        input_items=[{"type": "message", "role": "user", "content": "Hi"}], output_items=[],
    )  # fmt: skip


def own_responses():
    return set(StoredResponse.objects.filter(response_id__startswith=PREFIX).values_list("response_id", flat=True))


def test_it_deletes_responses_stored_for_previous_response_id_with_the_same_cutoff():
    old, kept = stored_response(ago(days=8)), stored_response(ago(days=6))
    conversation(last_used=ago(days=8))

    assert purge(older_than="7d", dry_run=True)[0] == "Would delete 1 conversations and 1 stored responses."
    assert own_responses() == {old.response_id, kept.response_id}
    returned, printed = purge(older_than="7d")

    assert returned == "Deleted 1 conversations and 1 stored responses."
    assert printed == "Deleted 1 conversations and 1 stored responses.\n"
    assert own_responses() == {kept.response_id}
    assert StoredResponse.objects.older_than(ago(days=7)).filter(response_id__startswith=PREFIX).count() == 0
