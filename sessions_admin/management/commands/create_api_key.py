"""`manage.py create_api_key NAME [--login L …] [--fallback] [--model FAMILY …]`: a key
for one person or tool, the Claude logins and model families it may use, its secret
shown once."""

from django.core.management.base import BaseCommand, CommandError

from sessions_admin.api_keys import MODEL_FAMILIES, ApiKey
from sessions_admin.logins import ClaudeLogin


class Command(BaseCommand):
    help = "Create an API key named for whose it is (alice-laptop, ci-bot); its secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="whose key it is")
        parser.add_argument(
            "--login", action="append", default=[], dest="logins", metavar="LOGIN",
            help="a Claude login it may use (again for more, in order); none: the default login",
        )  # fmt: skip
        parser.add_argument(
            "--fallback", action="store_true", help="move a conversation to the next login when its own is refused"
        )

        parser.add_argument(
            "--model", action="append", default=[], dest="families", metavar="FAMILY",
            choices=[family for family, _ in MODEL_FAMILIES],
            help="a model family it may ask for: opus, sonnet or haiku (again for more); none: every one",
        )  # fmt: skip

    def handle(self, *args, name, logins, fallback, families, **options):
        name = name.strip()
        if not name or len(name) > ApiKey._meta.get_field("name").max_length:
            raise CommandError("The name must be 1 to 100 characters")
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(f"There is a key named {name!r} already: revoke it in the admin, or choose another name")
        if unknown := sorted(set(logins) - set(ClaudeLogin.objects.names())):
            raise CommandError(f"No Claude login named {', '.join(unknown)}: add it with manage.py claude_login --login NAME")
        key, secret = ApiKey.objects.create_key(
            name, logins=dict.fromkeys(logins), fallback=fallback, model_families=dict.fromkeys(families)
        )
        self.stdout.write(f"API key {key.name} ({key.prefix}…): {secret}")
        if logins:
            self.stdout.write(f"Claude logins, in order: {', '.join(key.logins)}{' (falls back)' if fallback else ''}")
        if families:
            self.stdout.write(f"Model families: {', '.join(key.model_families)}")
        self.stdout.write("Shown once: only its hash is kept. Clients send it as x-api-key or Authorization: Bearer.")
