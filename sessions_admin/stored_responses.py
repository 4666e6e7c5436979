"""Responses API responses kept for `previous_response_id` (/v1/responses)."""

from django.db import models
from django.utils import timezone

from .lineage import KEY_KINDS


class StoredResponseQuerySet(models.QuerySet):
    def older_than(self, cutoff):
        return self.filter(created__lt=cutoff)

    async def afind(self, response_id, api_key=""):
        """The response of that id stored under that API key: another key's is not found."""
        return await self.filter(response_id=response_id, api_key=api_key).afirst()


class StoredResponse(models.Model):
    """A Responses API response kept for `previous_response_id` (one the client asked to
    store: `store` true, the API's default): the whole context it answered, earlier
    responses' items included, and its output, as the API's items. A request that names
    it continues that context, after a restart too, in the conversation it was part of."""

    response_id = models.CharField(max_length=64, unique=True)
    # The conversation it was part of (Conversation's key fields: it may be purged first).
    key_kind = models.CharField(max_length=20, choices=KEY_KINDS)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=32)
    # The API key its request came with (api_key.admitted_key's name): only it may continue it.
    api_key = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=200, blank=True)
    input_items = models.JSONField(default=list)
    output_items = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = StoredResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.response_id

    @property
    def items(self):
        """What a request continuing this response has before its own input."""
        return [*self.input_items, *self.output_items]

    def output_item(self, item_id):
        """Its output item of that id, or None."""
        return next((item for item in self.output_items if item.get("id") == item_id), None)
