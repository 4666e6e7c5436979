from django.core.management.base import BaseCommand
from django.utils import timezone

from sessions_admin.durations import older_than_argument
from sessions_admin.models import Conversation, StoredResponse


class Command(BaseCommand):
    help = (
        "Delete conversations (and their transcripts) not used for --older-than. Those an "
        "instance holds (its CLI live or paused, or a turn answering: a lease its heartbeat "
        "renews) are kept; clear those in the admin, which ends the CLI too. Responses stored for "
        "previous_response_id (/v1/responses) older than --older-than go too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", default="24h", help="e.g. 90m, 24h, 7d (default 24h)")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, older_than, dry_run, **options):
        older_than = older_than_argument(older_than)
        stale = Conversation.objects.last_used_before(timezone.now() - older_than).not_held()
        responses = StoredResponse.objects.older_than(timezone.now() - older_than)
        if dry_run:
            return f"Would delete {stale.count()} conversations{_and_responses(responses.count())}."
        deleted = stale.clear()
        return f"Deleted {deleted} conversations{_and_responses(responses.delete()[0])}."


def _and_responses(count):
    # Said only when there are some: most installs never store a response.
    return f" and {count} stored responses" if count else ""
