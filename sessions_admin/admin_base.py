"""What the proxy's admins share: read-only lists of what it wrote, and times as "ago"."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.timezone import localtime

# Lists hold what a person scans for; everything else is on the detail page.
LIST_PER_PAGE = 50
LIST_CSS = {"all": ("sessions_admin/proxy_admin.css",)}


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the proxy wrote, as it wrote it: nothing is added or edited here, and rows go
    through the actions (a conversation's clear also ends its CLI process) or the purge
    commands, never the bare delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def ago(moment):
    """"3 minutes ago", as a person reads a time in a list."""
    if moment is None:
        return ""
    seconds = (timezone.now() - moment).total_seconds()
    if seconds < 60:
        return f"{max(0, round(seconds))} s ago"
    return f"{timesince(moment).split(',')[0]} ago"


def ago_with_title(moment):
    """ago(moment), the exact time on hover."""
    return format_html('<span title="{}">{}</span>', localtime(moment).isoformat(" ", "seconds"), ago(moment))
