"""`manage.py claude_login`: sign Claude Code in, with the CLI the proxy runs."""

import subprocess

from django.core.management.base import BaseCommand, CommandError

from messages_api.claude.options import cli_path


class Command(BaseCommand):
    help = "Sign the Claude Code CLI in (its `auth login`), so the proxy runs on your subscription."

    def handle(self, *args, **options):
        path = cli_path()
        self.stdout.write(f"Running {path} auth login")
        try:
            # The CLI's own prompts and browser flow need this terminal: nothing is captured.
            completed = subprocess.run([str(path), "auth", "login"], check=False)
        except OSError as exc:
            raise CommandError(f"Could not run {path}: {exc}") from None
        if completed.returncode != 0:
            raise CommandError(f"{path} auth login exited with {completed.returncode}")
        self.stdout.write("Signed in. Check with: curl http://127.0.0.1:3456/health")
