"""This server among several on one database: its name, its heartbeat, and what the
other instances ask of it over the channel layer (Redis when REDIS_URL is set; in
memory, this server alone, otherwise).

The heartbeat keeps this instance's row (sessions_admin.instances.ProxyInstance) alive
and renews what it holds (sessions_admin.leases.renew): the leases of the turns it
answers now and the claims on the conversations it keeps live or paused. A turn another
instance took over (this one missed its heartbeats) ends here at once. `purge_sessions`
leaves held conversations alone.
"""

import asyncio
import logging
import os

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from sessions_admin import leases
from sessions_admin.instances import ProxyInstance, this_instance

from . import activity
from .claude.registry import runtimes

log = logging.getLogger("claude_proxy.instances")

GROUP = "proxy-instances"  # every instance's own channel: the admin's and the live page's asks


name = this_instance


async def heartbeat(started=None):
    """Say this instance is alive, with what it runs, and renew its conversations' leases."""
    answering, live = runtimes.held_conversations()
    # Its connection given back at the end: outside a request nothing else would.
    for lease in await database_sync_to_async(_beat)(runtimes.describe(), answering, live, started):
        log.warning("conversation %s: another instance took its turn over; ending it here", lease.conversation_id)
        runtimes.lose(lease)


def _beat(processes, answering, live, started):
    now, me = timezone.now(), name()
    ProxyInstance.objects.update_or_create(
        name=me,
        defaults={
            "pid": os.getpid(),
            **({"started": started} if started else {}),
            "last_seen": now,
            "processes": len(processes),
            "rss_mb": round(sum(p["rss_mb"] or 0 for p in processes), 1),
            "turns": len(answering),
        },
    )
    return leases.renew(me, answering, live, now)


async def keep_alive():
    """Heartbeats, and the asks of other instances, for as long as the server runs."""
    layer = get_channel_layer()
    channel = await layer.new_channel() if layer is not None else None
    listening = asyncio.ensure_future(_listen(layer, channel)) if channel else None
    started = timezone.now()
    try:
        while not runtimes.closing:
            try:
                if channel:
                    await layer.group_add(GROUP, channel)  # again each time: Redis lets groups expire
                await heartbeat(started)
            except Exception:  # a database or Redis away for a moment: the next beat tries again
                log.warning("heartbeat failed", exc_info=True)
            await asyncio.sleep(settings.CLAUDE_PROXY_HEARTBEAT_SECONDS)
    finally:
        if listening:
            listening.cancel()


async def _listen(layer, channel):
    while True:
        try:
            message = await layer.receive(channel)
        except Exception:  # Redis away for a moment: listen again after a beat
            log.warning("could not hear the other instances", exc_info=True)
            await asyncio.sleep(settings.CLAUDE_PROXY_HEARTBEAT_SECONDS)
            continue
        try:
            await _answer(layer, message)
        except Exception:
            log.warning("could not answer %s", message.get("type"), exc_info=True)


async def _answer(layer, message):
    kind = message.get("type")
    if kind == "instances.stop":
        for key in message["keys"]:
            runtimes.stop(tuple(key))
    elif kind == "instances.watching" and message.get("from") != name():
        activity.watched_elsewhere(message["seconds"])
    elif kind == "instances.snapshot" and message.get("from") != name():
        await layer.send(message["reply_to"], {"type": "activity.event", "data": activity.snapshot()})


def stop_everywhere(keys):
    """End these conversations' CLI processes on whichever instance holds them (from the
    admin: any thread). This server's own end at once; the others when the ask reaches them."""
    keys = list(keys)
    runtimes.stop_soon(keys)
    if (layer := get_channel_layer()) is not None and keys:
        async_to_sync(layer.group_send)(GROUP, {"type": "instances.stop", "keys": [list(key) for key in keys]})


async def ask_all(layer, message):
    """Send `message` to every instance (the live page's asks), from this one."""
    await layer.group_send(GROUP, {**message, "from": name()})

