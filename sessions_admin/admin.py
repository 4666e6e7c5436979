import json

from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime


from . import wire_formats
from .engine import engine
from .admin_base import LIST_CSS, LIST_PER_PAGE, ReadOnlyAdmin, ago_with_title
from .models import ANSWERED_ELSEWHERE, ERROR_TYPES, Conversation, RequestLog, TranscriptEntry

admin.site.site_header = "claude-max-proxy"
admin.site.site_title = "claude-max-proxy"
admin.site.index_title = "Conversations, transcripts and request logs"

# The navigation sidebar takes a quarter of a 1280 px screen from every list; the
# breadcrumbs and the dashboard lead to the same pages.
admin.site.enable_nav_sidebar = False

TRANSCRIPT_ROLES = {"elsewhere": "Assistant (answered elsewhere)"}


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("expired", "Expired"))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "expired":
            return queryset.expired()
        return queryset


def _transcript_lines(session_id):
    """(role, text) of the readable turns of a stored transcript; an assistant turn the
    proxy did not answer (another model's, sent back in the client's history) has the
    role "elsewhere"."""
    for entry in TranscriptEntry.objects.filter(session_id=session_id, subpath="").values_list("entry", flat=True):
        message = entry.get("message") if entry.get("type") in ("user", "assistant") else None
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        text = "\n".join(_readable(block) for block in blocks if isinstance(block, dict) and _readable(block))
        if text.strip() and not text.startswith("<system-reminder>"):
            elsewhere = str(message.get("id", "")).startswith(ANSWERED_ELSEWHERE)
            yield "elsewhere" if elsewhere else entry["type"], text


def _readable(block):
    """A transcript block as a person reads it: text, or which tool ran with what."""
    if block.get("type") == "text":
        return block.get("text", "")
    if block.get("type") == "tool_use":
        return f"[tool {block.get('name', '?')}: {json.dumps(block.get('input'), ensure_ascii=False)}]"
    return ""


class ConversationFilter(admin.SimpleListFilter):
    """The request logs of one conversation: every Claude session it holds or held."""

    title = "conversation"
    parameter_name = "conversation"

    def lookups(self, request, model_admin):
        if (conversation := _conversation(self.value())) is not None:
            return ((str(conversation.pk), conversation.title or str(conversation)),)
        return ()

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        conversation = _conversation(self.value())
        session_ids = Conversation.objects.filter(pk=conversation.pk).session_ids() if conversation else set()
        return queryset.filter(claude_session_id__in=session_ids)


def _conversation(pk):
    return Conversation.objects.filter(pk=pk).first() if str(pk or "").isdigit() else None


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = ("title_or_key", "client", "model", "used", "turns", "cli_state")
    list_display_links = ("title_or_key",)
    list_filter = (ActiveFilter, "key_kind", "status", "last_lineage", ("login", admin.AllValuesFieldListFilter))
    list_per_page = LIST_PER_PAGE
    search_fields = ("title", "key", "claude_session_id", "previous_session_id")
    actions = ("clear_selected", "clear_expired")
    readonly_fields = (
        "title",
        "client",
        "key",
        "key_kind",
        "scope",
        "claude_session_id",
        "previous_session_id",
        "model",
        "login",
        "workdir",
        "message_count",
        "request_count",
        "request_logs",
        "status",
        "cli_state",
        "last_lineage",
        "waiting_for",
        "created",
        "last_used",
        "expires_at",
        "transcript",
    )
    exclude = ("message_hashes", "reply_digest", "pending_tool_calls", "waiting_since", "resume_at")

    class Media:
        css = LIST_CSS

    def get_queryset(self, request):
        # The client is the one the conversation's latest logged request named.
        latest_client = (
            RequestLog.objects.filter(claude_session_id=OuterRef("claude_session_id"))
            .exclude(claude_session_id="")
            .exclude(client="")
            .order_by("-created")
            .values("client")[:1]
        )
        return super().get_queryset(request).annotate(latest_client=Subquery(latest_client))

    @admin.display(description="Conversation", ordering="title")
    def title_or_key(self, obj):
        """Its first user message's opening words; the key for one made before titles."""
        return truncatechars(obj.title, 60) if obj.title else f"{obj.key_kind}: {truncatechars(obj.key, 24)}"

    @admin.display(description="Client", ordering="latest_client")
    def client(self, obj):
        return getattr(obj, "latest_client", None) or ""

    @admin.display(description="Last used", ordering="last_used")
    def used(self, obj):
        return ago_with_title(obj.last_used)

    @admin.display(description="Turns", ordering="request_count")
    def turns(self, obj):
        url = reverse("admin:sessions_admin_requestlog_changelist")
        return format_html('<a href="{}?conversation={}" title="Its request logs">{}</a>', url, obj.pk, obj.request_count)

    @admin.display(description="Request logs")
    def request_logs(self, obj):
        url = reverse("admin:sessions_admin_requestlog_changelist")
        return format_html('<a href="{}?conversation={}" id="conversation-request-logs">Its request logs</a>', url, obj.pk)

    @admin.display(description="CLI")
    def cli_state(self, obj):
        """Whether a live CLI process holds it, and what it waits for."""
        if obj.pending_tool_calls:
            return f"waiting for {self.waiting_for(obj)}"
        if obj.runtime_key in engine().running():
            return "running"
        if obj.live_on and obj.live_until and obj.live_until > timezone.now():
            return f"running on {obj.live_on}"  # another instance's CLI, as its heartbeat says
        return "failed" if obj.status == "failed" else "—"

    @admin.display(description="Waiting for", ordering="waiting_since")
    def waiting_for(self, obj):
        """The client's tool results Claude waits for, and since when."""
        if not obj.pending_tool_calls:
            return ""
        names = ", ".join(call["name"] for call in obj.pending_tool_calls)
        return f"{names} (since {localtime(obj.waiting_since):%H:%M:%S})" if obj.waiting_since else names

    @admin.display(description="Transcript")
    def transcript(self, obj):
        lines = list(_transcript_lines(obj.claude_session_id))
        if not lines:
            return "No stored transcript."
        return format_html(
            '<div class="transcript">{}</div>',
            format_html_join(
                "",
                '<p class="turn turn-{}"><strong>{}</strong><br><span style="white-space: pre-wrap">{}</span></p>',
                ((role, TRANSCRIPT_ROLES.get(role, role.title()), text) for role, text in lines),
            ),
        )

    @admin.action(description="Clear selected conversations (mapping, transcript, CLI process)")
    def clear_selected(self, request, queryset):
        engine().stop_everywhere(queryset.runtime_keys())
        cleared = queryset.clear()
        self.message_user(request, f"Cleared {cleared} conversation{'s' if cleared != 1 else ''}.")

    @admin.action(description="Clear all expired conversations")
    def clear_expired(self, request, queryset):
        expired = Conversation.objects.expired()
        engine().stop_everywhere(expired.runtime_keys())
        cleared = expired.clear()
        self.message_user(request, f"Cleared {cleared} expired conversation{'s' if cleared != 1 else ''}.")


class ErrorClassFilter(admin.SimpleListFilter):
    title = "error class"
    parameter_name = "error"

    def lookups(self, request, model_admin):
        return (("none", "No error"), ("any", "Any error"), *ERROR_TYPES)

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(error_type="")
        if self.value() == "any":
            return queryset.failed()
        if self.value():
            return queryset.filter(error_type=self.value())
        return queryset


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status_class"

    def lookups(self, request, model_admin):
        return (("2xx", "2xx success"), ("4xx", "4xx client"), ("5xx", "5xx server"))

    def queryset(self, request, queryset):
        if self.value():
            low = int(self.value()[0]) * 100
            return queryset.filter(Q(status__gte=low) & Q(status__lt=low + 100))
        return queryset


class WireFormatFilter(admin.SimpleListFilter):
    title = "wire format"
    parameter_name = "wire"

    def lookups(self, request, model_admin):
        return wire_formats.WIRE_FORMATS

    def queryset(self, request, queryset):
        return queryset.of_wire_format(self.value()) if self.value() else queryset


@admin.register(RequestLog)
class RequestLogAdmin(ReadOnlyAdmin):
    list_display = ("when", "status", "error_class", "wire_format", "endpoint", "model", "key", "ttfb", "duration", "tokens")
    list_display_links = ("when",)
    list_filter = (ErrorClassFilter, StatusFilter, WireFormatFilter, "stream", "extra_usage", ("api_key", admin.AllValuesFieldListFilter), ("claude_login", admin.AllValuesFieldListFilter), ConversationFilter)
    list_per_page = LIST_PER_PAGE
    search_fields = ("request_id", "claude_session_id", "error_message", "client", "api_key")
    date_hierarchy = "created"

    class Media:
        css = LIST_CSS

    def get_readonly_fields(self, request, obj=None):
        names = [field.name for field in self.model._meta.fields]
        names.insert(names.index("endpoint") + 1, "wire_format")
        names.insert(names.index("claude_session_id") + 1, "conversation")
        return names

    @admin.display(description="Time", ordering="created")
    def when(self, obj):
        return localtime(obj.created).strftime("%m-%d %H:%M:%S")

    @admin.display(description="Conversation")
    def conversation(self, obj):
        """The conversation whose Claude session answered it, linked."""
        sessions = Q(claude_session_id=obj.claude_session_id) | Q(previous_session_id=obj.claude_session_id)
        conversation = Conversation.objects.filter(sessions).first() if obj.claude_session_id else None
        if conversation is None:
            return "—"
        url = reverse("admin:sessions_admin_conversation_change", args=[conversation.pk])
        return format_html('<a href="{}" id="request-log-conversation">{}</a>', url, conversation.title or str(conversation))

    @admin.display(description="Key", ordering="api_key")
    def key(self, obj):
        return obj.api_key or "—"

    @admin.display(description="Error", ordering="error_type")
    def error_class(self, obj):
        return obj.get_error_type_display() if obj.error_type else ""

    @admin.display(description="Wire", ordering="endpoint")
    def wire_format(self, obj):
        return wire_formats.label(obj.wire_format)

    @admin.display(description="TTFB", ordering="ttfb_ms")
    def ttfb(self, obj):
        return _ms(obj.ttfb_ms)

    @admin.display(description="Duration", ordering="duration_ms")
    def duration(self, obj):
        return _ms(obj.duration_ms)

    @admin.display(description="Tokens in / out")
    def tokens(self, obj):
        return f"{obj.input_tokens} / {obj.output_tokens}"


def _ms(value):
    return "" if value is None else f"{value} ms"


# The other models' admins, each beside what it shows.
from . import admin_keys, admin_logins, admin_status  # noqa: E402, F401
