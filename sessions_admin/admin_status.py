"""The admins of what the proxy keeps besides conversations and logs: responses stored for
previous_response_id, the subscription's usage windows, the instances on the database."""


from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .admin_base import LIST_CSS, LIST_PER_PAGE, ReadOnlyAdmin, ago_with_title
from .durations import parse_duration
from .instances import ProxyInstance
from .models import Conversation, StoredResponse
from .usage_windows import UsageWindow


class AgeFilter(admin.SimpleListFilter):
    """Stored responses older than a span, as purge_sessions --older-than picks them."""

    title = "age"
    parameter_name = "older_than"
    SPANS = (("1h", "Older than an hour"), ("24h", "Older than a day"), ("7d", "Older than a week"))

    def lookups(self, request, model_admin):
        return self.SPANS

    def queryset(self, request, queryset):
        if self.value() in dict(self.SPANS):
            return queryset.older_than(timezone.now() - parse_duration(self.value()))
        return queryset


@admin.register(StoredResponse)
class StoredResponseAdmin(ReadOnlyAdmin):
    list_display = ("response_id", "conversation", "model", "items", "answer", "stored")
    list_filter = (AgeFilter, "key_kind")
    list_per_page = LIST_PER_PAGE
    search_fields = ("response_id", "key")
    actions = ("clear_selected",)
    readonly_fields = ("response_id", "conversation", "key_kind", "key", "scope", "model", "created", "input_items", "output_items")

    class Media:
        css = LIST_CSS

    def get_queryset(self, request):
        # The conversation it was part of, while that one is kept (it may be purged first).
        same_key = Conversation.objects.filter(key_kind=OuterRef("key_kind"), key=OuterRef("key"), scope=OuterRef("scope"))
        return super().get_queryset(request).annotate(conversation_pk=Subquery(same_key.values("pk")[:1]))

    @admin.display(description="Conversation", ordering="key")
    def conversation(self, obj):
        label = f"{obj.key_kind}: {truncatechars(obj.key, 20)}"
        if obj.conversation_pk is None:
            return label
        url = reverse("admin:sessions_admin_conversation_change", args=[obj.conversation_pk])
        return format_html('<a href="{}" class="stored-response-conversation">{}</a>', url, label)

    @admin.display(description="Items in / out")
    def items(self, obj):
        return f"{len(obj.input_items)} / {len(obj.output_items)}"

    @admin.display(description="Answer")
    def answer(self, obj):
        """Its output as a person reads it: the text, and which functions it called."""
        parts = []
        for item in obj.output_items:
            if item.get("type") == "message":
                parts += [part.get("text", "") for part in item.get("content") or [] if part.get("type") == "output_text"]
            elif item.get("type") == "function_call":
                parts.append(f"[{item.get('name', '?')}]")
        return truncatechars(" ".join(parts), 40)

    @admin.display(description="Stored", ordering="created")
    def stored(self, obj):
        return ago_with_title(obj.created)

    @admin.action(description="Clear selected stored responses (previous_response_id then finds none)")
    def clear_selected(self, request, queryset):
        cleared, _ = queryset.delete()
        self.message_user(request, f"Cleared {cleared} stored response{'s' if cleared != 1 else ''}.")


@admin.register(UsageWindow)
class UsageWindowAdmin(ReadOnlyAdmin):
    list_display = ("login", "label", "status", "used", "resets", "observed")
    list_filter = ("status", "window", "login")
    actions = ("forget_selected",)

    class Media:
        css = LIST_CSS

    @admin.display(description="Window", ordering="window")
    def label(self, obj):
        return obj.label

    @admin.display(description="Used", ordering="utilization")
    def used(self, obj):
        return "" if obj.utilization is None else f"{obj.utilization * 100:g} %"

    @admin.display(description="Resets", ordering="resets_at")
    def resets(self, obj):
        if obj.resets_at is None:
            return ""
        return f"{obj.resets_at:%Y-%m-%d %H:%M} UTC" + (" (passed)" if obj.has_reset() else "")

    @admin.display(description="Reported", ordering="observed_at")
    def observed(self, obj):
        return ago_with_title(obj.observed_at)

    @admin.action(description="Forget selected readings (a refused window then answers again)")
    def forget_selected(self, request, queryset):
        forgotten, _ = queryset.delete()
        self.message_user(request, f"Forgot {forgotten} window reading{'s' if forgotten != 1 else ''}.")


@admin.register(ProxyInstance)
class ProxyInstanceAdmin(ReadOnlyAdmin):
    list_display = ("name", "alive", "processes", "memory", "turns", "seen", "started")
    actions = ("forget_gone",)

    class Media:
        css = LIST_CSS

    @admin.display(description="Alive", boolean=True)
    def alive(self, obj):
        return obj.is_alive()

    @admin.display(description="Memory", ordering="rss_mb")
    def memory(self, obj):
        return f"{obj.rss_mb:g} MB"

    @admin.display(description="Last heartbeat", ordering="last_seen")
    def seen(self, obj):
        return ago_with_title(obj.last_seen)

    @admin.action(description="Forget the selected instances that are gone")
    def forget_gone(self, request, queryset):
        forgotten, _ = queryset.gone().delete()
        self.message_user(request, f"Forgot {forgotten} gone instance{'s' if forgotten != 1 else ''}.")
