from django.db import models
from django.utils import timezone

# The `type` of the Anthropic error envelope, plus what only the proxy sees.
ERROR_TYPES = (
    ("invalid_request_error", "Invalid request"),
    ("authentication_error", "Authentication"),
    ("billing_error", "Billing"),
    ("permission_error", "Permission"),
    ("not_found_error", "Not found"),
    ("rate_limit_error", "Rate limit"),
    ("timeout_error", "Timeout"),
    ("overloaded_error", "Overloaded"),
    ("api_error", "API error"),
    ("client_closed", "Client closed"),
)


class RequestLogQuerySet(models.QuerySet):
    def failed(self):
        return self.exclude(error_type="")


class RequestLog(models.Model):
    """One row per request the proxy answered, rejected ones included."""

    request_id = models.CharField(max_length=64, db_index=True)
    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=200)
    model = models.CharField(max_length=200, blank=True)
    stream = models.BooleanField(null=True)
    status = models.PositiveSmallIntegerField()
    error_type = models.CharField(max_length=40, blank=True, choices=ERROR_TYPES, db_index=True)
    error_message = models.TextField(blank=True)
    stderr_tail = models.TextField(blank=True)
    claude_session_id = models.CharField(max_length=64, blank=True)
    queue_wait_ms = models.PositiveIntegerField(null=True)
    ttfb_ms = models.PositiveIntegerField(null=True)
    duration_ms = models.PositiveIntegerField(null=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_read_input_tokens = models.PositiveIntegerField(default=0)
    cache_creation_input_tokens = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = RequestLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.status} ({self.request_id})"
