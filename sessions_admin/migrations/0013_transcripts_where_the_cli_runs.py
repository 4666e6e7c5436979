"""Transcripts are keyed by the directory the CLI runs in (the SDK's project key). In
passthrough mode the CLI now runs in "/" (messages_api.claude.options.cli_cwd), not in
the work dir: the transcripts stored under the work dir's key move to that of "/", so the
conversations of before this version resume where they were."""

from claude_agent_sdk import project_key_for_directory
from django.conf import settings
from django.db import migrations


def to_the_cli_cwd(apps, schema_editor):
    if settings.CLAUDE_PROXY_MODE == "internal":
        return  # the CLI runs in the work dir as before
    workdir = settings.CLAUDE_PROXY_WORKDIR
    old, new = project_key_for_directory(workdir), project_key_for_directory("/")
    if old == new:
        return
    for model in ("TranscriptEntry", "TranscriptSummary"):
        apps.get_model("sessions_admin", model).objects.filter(project_key=old).update(project_key=new)
    apps.get_model("sessions_admin", "Conversation").objects.filter(workdir=workdir).update(workdir="/")


class Migration(migrations.Migration):
    dependencies = [("sessions_admin", "0012_hourly_endpoint_index")]

    operations = [migrations.RunPython(to_the_cli_cwd, migrations.RunPython.noop)]
