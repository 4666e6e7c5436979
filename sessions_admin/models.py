from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import models
from django.utils import timezone

from .api_keys import ApiKey  # noqa: F401  (the models of this app, each in its module)
from .instances import ProxyInstance  # noqa: F401
from .lineage import KEY_KINDS, LINEAGE_KINDS, reply_digest
from .logins import ClaudeLogin  # noqa: F401
from .stored_responses import StoredResponse  # noqa: F401
from .usage_windows import STATUSES as WINDOW_STATUSES
from .usage_windows import WINDOWS, UsageWindow  # noqa: F401
from .wire_formats import ENDPOINTS, wire_format_of

# The window states the dashboard's history shows.
LIMIT_STATUSES = ("allowed_warning", "rejected")

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


class TurnOutcome(models.TextChoices):
    """How a request's turn ended; it alone decides what happens to the CLI process
    (kept, paused on tool calls, stopped) and what the conversation holds next."""

    ANSWERED = "answered", "Answered"
    FAILED = "failed", "Failed"
    CLIENT_GONE = "client_gone", "Client gone"
    AWAITING_TOOL_RESULT = "awaiting_tool_result", "Waiting for tool results"
    # Answered, but another instance took the turn over meanwhile: nothing of it was kept.
    TURN_LOST = "turn_lost", "Turn lost to another instance"


USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


class RequestLogQuerySet(models.QuerySet):
    def failed(self):
        return self.exclude(error_type="")

    def older_than(self, cutoff):
        return self.filter(created__lt=cutoff)

    def of_wire_format(self, wire_format):
        return self.filter(endpoint__in=ENDPOINTS.get(wire_format, ()))

    async def arecord(self, record):
        """Store one finished request (messages_api.request_log.RequestRecord)."""
        usage = {field: int(record.usage.get(field) or 0) for field in USAGE_FIELDS}
        fields = {field: getattr(record, field) for field in RECORDED_FIELDS}
        return await self.acreate(**fields, **usage)


class HourField(models.DateTimeField):
    """The start of the UTC hour the row's `created` falls in, set on every save and
    bulk_create (a queryset's update() of `created` would leave it behind). With it the
    dashboard groups rows by an index and takes each hour's TTFBs from it in order, where
    truncating `created` row by row sorts every row of the range (bench/dashboard.py)."""

    def pre_save(self, model_instance, add):
        hour = hour_of(model_instance.created)
        setattr(model_instance, self.attname, hour)
        return hour


def hour_of(moment):
    return moment.astimezone(dt_timezone.utc).replace(minute=0, second=0, microsecond=0)


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
    claude_session_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The client program, from its User-Agent (e.g. opencode/1.18.33).
    client = models.CharField(max_length=100, blank=True)
    # The API key it came with: an ApiKey's name, CLAUDE_PROXY_API_KEY, or blank with none configured.
    api_key = models.CharField(max_length=100, blank=True, db_index=True)
    # The Claude login (ClaudeLogin.name) its turn ran on.
    claude_login = models.CharField(max_length=50, blank=True)
    queue_wait_ms = models.PositiveIntegerField(null=True)
    # The client's tools: calls sent to the client ({id, name}) and results it brought
    # ({tool_use_id, is_error}).
    tool_calls = models.JSONField(default=list, blank=True)
    tool_results = models.JSONField(default=list, blank=True)
    # How the request's turn ended, and how its history related to the conversation's.
    outcome = models.CharField(max_length=24, blank=True, choices=TurnOutcome.choices)
    lineage = models.CharField(max_length=20, blank=True, choices=LINEAGE_KINDS)
    # The subscription's window the request was answered (or refused) under, and its state then.
    usage_window = models.CharField(max_length=40, blank=True, choices=WINDOWS)
    usage_status = models.CharField(max_length=20, blank=True, choices=WINDOW_STATUSES)
    # Served from the account's extra usage (a plan window was spent): billed beyond the plan.
    extra_usage = models.BooleanField(default=False)
    ttfb_ms = models.PositiveIntegerField(null=True)
    duration_ms = models.PositiveIntegerField(null=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_read_input_tokens = models.PositiveIntegerField(default=0)
    cache_creation_input_tokens = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    hour = HourField(editable=False)

    objects = RequestLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            # The dashboard reads the rows of a range of hours, nothing but these columns,
            # grouped in this order: the index alone answers it, without a sort.
            models.Index(
                fields=[
                    "hour", "error_type", "model", "created", "ttfb_ms",
                    "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
                ],
                name="requestlog_hourly",
            ),
            # An hour's TTFBs in order: a percentile is the row at its rank.
            models.Index(fields=["hour", "ttfb_ms", "created"], name="requestlog_hourly_ttfb"),
            # The few rows answered under a warning or refused by a window, by hour.
            models.Index(
                fields=["hour", "usage_window", "usage_status"], name="requestlog_hourly_limits",
                condition=models.Q(usage_status__in=LIMIT_STATUSES),
            ),
            # The dashboard's requests by wire format: each hour's rows by endpoint, from the index alone.
            models.Index(fields=["hour", "endpoint", "error_type", "created"], name="requestlog_hourly_endpoint"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.status} ({self.request_id})"

    @property
    def wire_format(self):
        """"anthropic", "openai_chat" or "openai_responses" (sessions_admin.wire_formats)."""
        return wire_format_of(self.endpoint)


# What a RequestRecord hands over as it is (usage is summed up field by field).
RECORDED_FIELDS = (
    "request_id", "method", "endpoint", "model", "stream", "status", "error_type", "error_message",
    "stderr_tail", "claude_session_id", "client", "api_key", "claude_login", "queue_wait_ms", "tool_calls", "tool_results",
    "outcome", "lineage", "usage_window", "usage_status", "extra_usage", "ttfb_ms", "duration_ms",
)  # fmt: skip


TITLE_CHARS = 80


CONVERSATION_STATUSES = (
    ("ready", "Ready"),
    ("awaiting_tool_result", "Waiting for tool results"),
    ("failed", "Last turn failed"),
)


def title_of(text):
    """The opening words of a message, on one line, cut at a word within TITLE_CHARS."""
    words = " ".join(str(text or "").split())
    if len(words) <= TITLE_CHARS:
        return words
    cut = words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] or words[: TITLE_CHARS - 1]
    return cut + "…"


class ConversationQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(expires_at__gte=now or timezone.now())

    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now())

    def last_used_before(self, cutoff):
        return self.filter(last_used__lt=cutoff)

    def held(self, now=None):
        """Answering on an instance, or kept live or paused by one, as their leases say."""
        now = now or timezone.now()
        return self.filter(models.Q(turn_held_until__gt=now) | models.Q(live_until__gt=now))

    def not_held(self, now=None):
        return self.exclude(pk__in=self.held(now).values("pk"))

    def runtime_keys(self):
        return [(kind, key, scope) for kind, key, scope in self.values_list("key_kind", "key", "scope")]

    def session_ids(self):
        """Every Claude session these conversations hold or held."""
        ids = set()
        for current, previous in self.values_list("claude_session_id", "previous_session_id"):
            ids.update(filter(None, (current, previous)))
        return ids

    def clear(self):
        """Delete these conversations and their transcripts; return how many conversations."""
        session_ids = self.session_ids()
        TranscriptEntry.objects.filter(session_id__in=session_ids).delete()
        TranscriptSummary.objects.filter(session_id__in=session_ids).delete()
        _, deleted = self.delete()
        return deleted.get(self.model._meta.label, 0)

    def clear_expired(self, now=None):
        return self.expired(now).clear()

    async def afind_or_start(self, key_kind, key, scope, *, model, workdir, title=""):
        """The conversation under this key; a new one is titled by its first user message."""
        conversation, _ = await self.aget_or_create(
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


class Conversation(models.Model):
    """A client's conversation and the Claude session that holds its context.

    Found by (key_kind, key, scope): the key is the client's session header or a
    fingerprint of the first user message; the scope is a hash of the system prompt,
    so a side request of the same client (a title request) is a conversation of its own.
    """

    key = models.CharField(max_length=255)
    key_kind = models.CharField(max_length=20, choices=KEY_KINDS)
    # The opening words of the first user message: what a person recognises it by.
    title = models.CharField(max_length=TITLE_CHARS, blank=True)
    scope = models.CharField(max_length=32)
    claude_session_id = models.CharField(max_length=64, blank=True, db_index=True)
    previous_session_id = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=200, blank=True)
    workdir = models.CharField(max_length=1000, blank=True)
    # The Claude login (ClaudeLogin.name) its turns run on; blank until its first turn.
    login = models.CharField(max_length=50, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # Hashes of the messages the client sent last time, and of the text Claude answered.
    message_hashes = models.JSONField(default=list)
    reply_digest = models.CharField(max_length=64, blank=True)
    request_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=CONVERSATION_STATUSES, default="ready")
    last_lineage = models.CharField(max_length=20, blank=True, choices=LINEAGE_KINDS)
    # The client's tool calls Claude waits on ({id, name}), and since when.
    pending_tool_calls = models.JSONField(default=list, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    # The transcript entry (the assistant message with those calls) where a new process
    # resumes the session when the one that waited is gone.
    resume_at = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    # Several instances (sessions_admin.instances): advanced with every turn written, so an
    # instance whose live CLI stands at an older version knows it is behind; the turn's
    # lease (sessions_admin.leases): the instance answering it now, until when (renewed by
    # its heartbeat), and the fencing epoch every take bumps; the instance whose CLI holds
    # it live or paused, until when.
    version = models.PositiveIntegerField(default=0)
    turn_holder = models.CharField(max_length=100, blank=True)
    turn_held_until = models.DateTimeField(null=True, blank=True)
    turn_epoch = models.PositiveIntegerField(default=0)
    live_on = models.CharField(max_length=100, blank=True)
    live_until = models.DateTimeField(null=True, blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_used"]
        constraints = [models.UniqueConstraint(fields=["key_kind", "key", "scope"], name="one_conversation_per_key")]

    def __str__(self):
        return f"{self.key_kind}:{self.key[:24]}"

    @property
    def runtime_key(self):
        """Its key among the proxy's live conversations (messages_api.claude.runtime)."""
        return (self.key_kind, self.key, self.scope)

    @property
    def is_expired(self):
        return self.expires_at < timezone.now()

    def turn_written(self, outcome, *, message_hashes, lineage, instance="", live_until=None):
        """What a turn leaves on the conversation, from its outcome alone (a
        client_turn.Outcome): the fields to write (leases.acommit writes them under the
        turn's lease), set here too.

        Answered, or paused on the client's tool calls: the conversation holds the
        request's messages (`message_hashes`) and the answer, and waits for the results
        of the calls it paused on, which Claude's transcript holds up to `resume_at`.
        Failed or cut off: what the Claude session holds is unknown, so the next request
        starts a fresh session with the client's whole history.
        """
        kept = outcome.kind in (TurnOutcome.ANSWERED, TurnOutcome.AWAITING_TOOL_RESULT)
        waiting_on = [call for call in outcome.tool_calls if call["id"] in outcome.paused_on] if kept else []
        if kept and outcome.claude_session_id and outcome.claude_session_id != self.claude_session_id:
            self.previous_session_id = self.claude_session_id
            self.claude_session_id = outcome.claude_session_id
        if kept:
            self.model = outcome.model
            self.message_count = len(message_hashes)
        self.message_hashes = message_hashes if kept else []
        self.reply_digest = reply_digest(outcome.reply) if kept else ""
        self.last_lineage = lineage
        self.pending_tool_calls = waiting_on
        self.status = "awaiting_tool_result" if waiting_on else ("ready" if kept else "failed")
        self.waiting_since = timezone.now() if waiting_on else None
        self.resume_at = outcome.resume_at if waiting_on else ""
        self.login = outcome.login or self.login  # the login the turn ran on: the next one's
        now = timezone.now()
        self.request_count += 1
        self.last_used = now
        self.expires_at = now + settings.CLAUDE_PROXY_SESSION_TTL
        # The CLI stays live on this instance if the turn kept it.
        self.live_on, self.live_until = (instance, live_until) if kept and live_until else ("", None)
        return {name: getattr(self, name) for name in TURN_FIELDS}


# What a turn writes on its conversation (Conversation.turn_written), under its lease.
TURN_FIELDS = (
    "claude_session_id", "previous_session_id", "model", "message_count", "message_hashes", "reply_digest",
    "last_lineage", "pending_tool_calls", "status", "waiting_since", "resume_at", "login", "request_count",
    "last_used", "expires_at", "live_on", "live_until",
)  # fmt: skip


# The message ids of the assistant turns a seeded transcript holds: the proxy's own
# answers, and those it did not give (another model's), which the admin shows as such.
ANSWERED_HERE = "msg_history_"
ANSWERED_ELSEWHERE = "msg_elsewhere_"


class TranscriptEntryQuerySet(models.QuerySet):
    def of(self, project_key, session_id, subpath=""):
        return self.filter(project_key=project_key, session_id=session_id, subpath=subpath)

    async def aholds(self, session_id, uuid):
        return await self.filter(session_id=session_id, uuid=uuid).aexists()


class TranscriptEntry(models.Model):
    """One line of a Claude Code transcript, mirrored through the SDK's SessionStore."""

    project_key = models.CharField(max_length=255)
    session_id = models.CharField(max_length=64)
    subpath = models.CharField(max_length=255, blank=True)  # "" is the main transcript
    uuid = models.CharField(max_length=64, blank=True)
    entry = models.JSONField()
    written_ms = models.BigIntegerField()

    objects = TranscriptEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["project_key", "session_id", "subpath", "id"])]
        constraints = [
            # Entries with a uuid are idempotent: a retried batch adds nothing.
            models.UniqueConstraint(
                fields=["project_key", "session_id", "subpath", "uuid"],
                condition=~models.Q(uuid=""),
                name="one_transcript_entry_per_uuid",
            )
        ]

    def __str__(self):
        return f"{self.session_id} {self.entry.get('type', '?')}"


class TranscriptSummary(models.Model):
    """The SDK's incrementally folded summary of a main transcript (opaque to us)."""

    project_key = models.CharField(max_length=255)
    session_id = models.CharField(max_length=64)
    summary = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_key", "session_id"], name="one_summary_per_session")]
