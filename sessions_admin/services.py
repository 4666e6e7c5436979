"""What the API records in the database, called from async code."""

from .models import RequestLog

USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


async def record_request(record):
    """Store one RequestRecord (messages_api.request_log) as a RequestLog row."""
    usage = {field: int(record.usage.get(field) or 0) for field in USAGE_FIELDS}
    return await RequestLog.objects.acreate(
        request_id=record.request_id,
        method=record.method,
        endpoint=record.endpoint,
        model=record.model,
        stream=record.stream,
        status=record.status,
        error_type=record.error_type,
        error_message=record.error_message,
        stderr_tail=record.stderr_tail,
        claude_session_id=record.claude_session_id,
        queue_wait_ms=record.queue_wait_ms,
        ttfb_ms=record.ttfb_ms,
        duration_ms=record.duration_ms,
        **usage,
    )
