"""The transcripts stored before the CLI ran in "/" move to that directory's key, so a
conversation of before the upgrade resumes where it was (migration 0013)."""

import importlib

from claude_agent_sdk import project_key_for_directory
from django.apps import apps
from django.test import override_settings
from django.utils import timezone

from sessions_admin.models import Conversation, TranscriptEntry, TranscriptSummary

migration = importlib.import_module("sessions_admin.migrations.0013_transcripts_where_the_cli_runs")
WORKDIR = "/srv/owner/project"


def _stored(key):
    TranscriptEntry.objects.create(project_key=key, session_id="s-1", uuid="u-1", entry={"type": "user"}, written_ms=1)
    TranscriptSummary.objects.create(project_key=key, session_id="s-1", summary={})
    return Conversation.objects.create(
        key_kind="session", key="k-1", scope="", model="claude-sonnet-4-5", workdir=WORKDIR, expires_at=timezone.now()
    )


@override_settings(CLAUDE_PROXY_MODE="passthrough", CLAUDE_PROXY_WORKDIR=WORKDIR)
def test_it_moves_the_work_dirs_transcripts_to_the_cli_cwd(own_rows):
    conversation = _stored(project_key_for_directory(WORKDIR))

    migration.to_the_cli_cwd(apps, None)

    root = project_key_for_directory("/")
    assert list(TranscriptEntry.objects.values_list("project_key", flat=True)) == [root]
    assert list(TranscriptSummary.objects.values_list("project_key", flat=True)) == [root]
    conversation.refresh_from_db()
    assert conversation.workdir == "/"


@override_settings(CLAUDE_PROXY_MODE="internal", CLAUDE_PROXY_WORKDIR=WORKDIR)
def test_it_leaves_internal_modes_transcripts_in_the_work_dir(own_rows):
    key = project_key_for_directory(WORKDIR)
    _stored(key)

    migration.to_the_cli_cwd(apps, None)

    assert list(TranscriptEntry.objects.values_list("project_key", flat=True)) == [key]
