"""The admin's live page: the page, and its live activity over a websocket (staff
only). Here, not in sessions_admin: it shows the engine's requests and processes."""

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from django.urls import reverse

from sessions_admin.models import Conversation

from . import activity, instances, usage

FORBIDDEN = 4403
# A page tells the other instances it watches this often, and for twice as long.
WATCHING_SECONDS = 10.0


@staff_member_required
def live_activity(request):
    context = {**admin.site.each_context(request), "title": "Live activity"}
    return render(request, "admin/live_activity.html", context)


class ActivityConsumer(AsyncJsonWebsocketConsumer):
    watching = False  # counted among the live pages (activity.watch) until it disconnects

    async def connect(self):
        user = self.scope.get("user")
        if not (user and user.is_active and user.is_staff):
            await self.close(code=FORBIDDEN)
            return
        self.conversations = {}  # id -> {title, url}: what the page shows for a process
        await self.channel_layer.group_add(activity.GROUP, self.channel_name)
        activity.watch()
        self.watching = True
        await self.accept()
        await self.send_json(await self._with_conversations(activity.snapshot()))
        # The other instances' processes and requests: their snapshots, then their events.
        await instances.ask_all(self.channel_layer, {"type": "instances.snapshot", "reply_to": self.channel_name})
        self.telling = asyncio.ensure_future(self._tell_others())

    async def disconnect(self, code):
        await self.channel_layer.group_discard(activity.GROUP, self.channel_name)
        if self.watching:
            activity.unwatch()
            self.telling.cancel()

    async def _tell_others(self):
        while True:
            await instances.ask_all(self.channel_layer, {"type": "instances.watching", "seconds": 2 * WATCHING_SECONDS})
            await asyncio.sleep(WATCHING_SECONDS)

    async def activity_event(self, message):
        await self.send_json(await self._with_conversations(message["data"]))

    async def send_json(self, content, close=False):
        # The subscription's windows as they stand when the page opens and after each request.
        if content.get("event") in ("snapshot", "end", "error"):
            content = {**content, "usage": await _windows()}
        await super().send_json(content, close)

    async def _with_conversations(self, data):
        """Each process's conversation by title and admin link, not by a bare id."""
        processes = data.get("processes") or []
        ids = {p["conversation_id"] for p in processes if p.get("conversation_id") is not None}
        if unknown := ids - self.conversations.keys():
            self.conversations.update(await _conversations(unknown))
        shown = [{**p, "conversation": self.conversations.get(p.get("conversation_id"))} for p in processes]
        return {**data, "processes": shown} if "processes" in data else data


async def _windows():
    """Every login's windows, each naming its login."""
    logins = (await usage.logins_report())["logins"]
    return [{**window, "login": login["login"]} for login in logins for window in login["windows"]]


@database_sync_to_async
def _conversations(ids):
    return {
        pk: {
            "title": title or f"{kind}:{key[:24]}",
            "url": reverse("admin:sessions_admin_conversation_change", args=[pk]),
        }
        for pk, title, kind, key in Conversation.objects.filter(pk__in=ids).values_list("pk", "title", "key_kind", "key")
    }
