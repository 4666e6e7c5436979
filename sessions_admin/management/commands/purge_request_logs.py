from django.core.management.base import BaseCommand
from django.utils import timezone

from sessions_admin.durations import older_than_argument
from sessions_admin.models import RequestLog


class Command(BaseCommand):
    help = "Delete request logs older than --older-than."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="30d", help="e.g. 12h, 30d (default 30d)")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, older_than, dry_run, **options):
        old = RequestLog.objects.older_than(timezone.now() - older_than_argument(older_than))
        if dry_run:
            return f"Would delete {old.count()} request logs."
        deleted, _ = old.delete()
        return f"Deleted {deleted} request logs."
