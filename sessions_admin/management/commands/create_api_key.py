"""`manage.py create_api_key NAME`: a key for one person or tool, its secret shown once."""

from django.core.management.base import BaseCommand, CommandError

from sessions_admin.api_keys import ApiKey


class Command(BaseCommand):
    help = "Create an API key named for whose it is (alice-laptop, ci-bot); its secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="whose key it is")

    def handle(self, *args, name, **options):
        name = name.strip()
        if not name or len(name) > ApiKey._meta.get_field("name").max_length:
            raise CommandError("The name must be 1 to 100 characters")
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(f"There is a key named {name!r} already: revoke it in the admin, or choose another name")
        key, secret = ApiKey.objects.create_key(name)
        self.stdout.write(f"API key {key.name} ({key.prefix}…): {secret}")
        self.stdout.write("Shown once: only its hash is kept. Clients send it as x-api-key or Authorization: Bearer.")
