"""What the API records in the database, called from async code."""

from django.conf import settings
from django.utils import timezone

from .models import TITLE_CHARS, Conversation, RequestLog

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
        client=record.client,
        queue_wait_ms=record.queue_wait_ms,
        tool_calls=record.tool_calls,
        tool_results=record.tool_results,
        ttfb_ms=record.ttfb_ms,
        duration_ms=record.duration_ms,
        **usage,
    )


def title_of(text):
    """The opening words of a message, on one line, cut at a word within TITLE_CHARS."""
    words = " ".join(str(text or "").split())
    if len(words) <= TITLE_CHARS:
        return words
    cut = words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] or words[: TITLE_CHARS - 1]
    return cut + "…"


async def find_or_start_conversation(key_kind, key, scope, *, model, workdir, title=""):
    """The conversation under this key; a new one is titled by its first user message."""
    conversation, _ = await Conversation.objects.aget_or_create(
        key_kind=key_kind,
        key=key,
        scope=scope,
        defaults={
            "model": model,
            "workdir": workdir,
            "title": title_of(title),
            "expires_at": timezone.now() + settings.CLAUDE_PROXY_SESSION_TTL,
        },
    )
    return conversation


async def record_turn(
    conversation, *, claude_session_id, model, message_hashes, reply_digest, lineage, waiting_on=(), resume_at=""
):
    """A turn answered: the conversation now holds these messages and this answer,
    and waits for the results of the tool calls `waiting_on` (tool_use blocks), which
    Claude's transcript holds up to the entry `resume_at`."""
    if claude_session_id and claude_session_id != conversation.claude_session_id:
        conversation.previous_session_id = conversation.claude_session_id
        conversation.claude_session_id = claude_session_id
    conversation.model = model
    conversation.message_hashes = message_hashes
    conversation.message_count = len(message_hashes)
    conversation.reply_digest = reply_digest
    conversation.last_lineage = lineage
    conversation.pending_tool_calls = [{"id": block["id"], "name": block["name"]} for block in waiting_on]
    conversation.status = "awaiting_tool_result" if waiting_on else "ready"
    conversation.waiting_since = timezone.now() if waiting_on else None
    conversation.resume_at = resume_at if waiting_on else ""
    await _touch(conversation)


async def record_failed_turn(conversation, *, lineage):
    """A turn failed partway: what the Claude session holds is unknown, so the next
    request starts a fresh session with the client's whole history."""
    conversation.message_hashes = []
    conversation.reply_digest = ""
    conversation.last_lineage = lineage
    conversation.pending_tool_calls = []
    conversation.waiting_since = None
    conversation.resume_at = ""
    conversation.status = "failed"
    await _touch(conversation)


async def _touch(conversation):
    now = timezone.now()
    conversation.request_count += 1
    conversation.last_used = now
    conversation.expires_at = now + settings.CLAUDE_PROXY_SESSION_TTL
    await conversation.asave()
