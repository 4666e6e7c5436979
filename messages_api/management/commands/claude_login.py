"""`manage.py claude_login [--login NAME]`: sign Claude Code in, with the CLI the proxy
runs: the default login, or another one in a config dir of its own."""

import os
import subprocess

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from messages_api.claude.options import cli_path
from messages_api.health import login_status
from sessions_admin.logins import DEFAULT, ClaudeLogin, login_dir, login_env


class Command(BaseCommand):
    help = "Sign the Claude Code CLI in (its `auth login`), so the proxy runs on your subscription."

    def add_arguments(self, parser):
        parser.add_argument(
            "--login", default=DEFAULT, metavar="NAME",
            help="another Claude login, kept apart from the default one (work, alice-max)",
        )  # fmt: skip

    def handle(self, *args, login, **options):
        name = login.strip()
        if name != slugify(name) or not name or len(name) > ClaudeLogin._meta.get_field("name").max_length:
            raise CommandError("A login's name is letters, digits, - and _ (at most 50): work, alice-max")
        if (config := login_dir(name)) is not None:
            # Its credentials: only the server's user may read them.
            config.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(config, 0o700)
        path = cli_path()
        self.stdout.write(f"Running {path} auth login" + (f" for login {name} ({config})" if config else ""))
        try:
            # The CLI's own prompts and browser flow need this terminal: nothing is captured.
            completed = subprocess.run([str(path), "auth", "login"], env={**os.environ, **login_env(name)}, check=False)
        except OSError as exc:
            raise CommandError(f"Could not run {path}: {exc}") from None
        if completed.returncode != 0:
            raise CommandError(f"{path} auth login exited with {completed.returncode}")
        row, _ = ClaudeLogin.objects.get_or_create(name=name)
        row.status_written(async_to_sync(login_status)(name))
        if not row.logged_in:
            raise CommandError(f"{path} auth status says login {name} is not signed in")
        self.stdout.write(f"Signed in: login {name} is {row.email or 'an account with no e-mail'}.")
        if name != DEFAULT:
            self.stdout.write(f"Give a key this login: manage.py create_api_key NAME --login {name}")
