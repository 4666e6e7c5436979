"""The admin of the Claude logins: each one's account, whether it is signed in (the CLI's
`auth status`, checked by an action), its usage windows and how much it answered. A login
is added by `manage.py claude_login --login NAME`: signing in needs a terminal and a
browser, not a form."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html_join

from .admin_base import LIST_CSS, ago_with_title
from .engine import engine
from .logins import DEFAULT, ClaudeLogin
from .models import RequestLog
from .usage_windows import in_order


@admin.register(ClaudeLogin)
class ClaudeLoginAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "signed_in", "subscription_type", "windows", "requests_today", "checked")
    readonly_fields = ("name", "email", "logged_in", "subscription_type", "config", "checked_at", "created")
    fields = readonly_fields
    actions = ("check_selected",)

    class Media:
        css = LIST_CSS

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The default login is the CLI's own: there is always one to fall back on.
        return obj is None or obj.name != DEFAULT

    def get_queryset(self, request):
        # The ModelAdmin serves every request: the day's counts go on the rows, not on it.
        since = timezone.now() - timedelta(days=1)
        today = RequestLog.objects.filter(claude_login=OuterRef("name"), created__gte=since)
        counted = today.order_by().values("claude_login").annotate(requests=Count("*")).values("requests")
        return super().get_queryset(request).annotate(requests_today=Coalesce(Subquery(counted), 0))

    def changelist_view(self, request, extra_context=None):
        note = "Add a login with: python manage.py claude_login --login NAME"
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": note})

    @admin.display(description="Signed in", boolean=True, ordering="logged_in")
    def signed_in(self, obj):
        return obj.logged_in

    @admin.display(description="Usage windows")
    def windows(self, obj):
        shown = [w for w in in_order(obj.windows()) if not w.has_reset() and w.utilization is not None]
        return format_html_join(
            " · ", '<span class="login-window status-{}" data-window="{}">{} {}</span>',
            ((w.status, w.window, w.label, f"{w.utilization * 100:g} %") for w in shown),
        )  # fmt: skip

    @admin.display(description="Requests (24 h)", ordering="requests_today")
    def requests_today(self, obj):
        return obj.requests_today

    @admin.display(description="Checked", ordering="checked_at")
    def checked(self, obj):
        return ago_with_title(obj.checked_at) if obj.checked_at else "never"

    @admin.display(description="Config dir")
    def config(self, obj):
        return str(obj.config_dir) if obj.config_dir else "the CLI's own (CLAUDE_CONFIG_DIR, else ~/.claude)"

    @admin.action(description="Check whether the selected logins are signed in (claude auth status)")
    def check_selected(self, request, queryset):
        for login in queryset:
            login.status_written(engine().login_status(login.name))
        signed_in = queryset.filter(logged_in=True).count()
        self.message_user(request, f"{signed_in} of {queryset.count()} signed in.")

    def delete_queryset(self, request, queryset):
        for login in queryset.exclude(name=DEFAULT):
            login.delete()
