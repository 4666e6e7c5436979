"""The proxy's instances: several may serve one database (PostgreSQL), each with its own
CLI processes. Each keeps a row here alive by a heartbeat (messages_api.instances), with
what it runs; the conversations it answers or keeps live carry its name and a lease
(sessions_admin.leases) the same heartbeat renews, so every instance and the purge
commands know what is held.

An instance is alive while its heartbeats come: the rule is `alive_within`, here alone.
"""

import socket
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# Two heartbeats missed and an instance is gone: its turns are anyone's (leases.py).
MISSED_BEATS = 2


def this_instance():
    """This server's name: CLAUDE_PROXY_INSTANCE, else host:port (serve sets the port)."""
    return settings.CLAUDE_PROXY_INSTANCE or f"{socket.gethostname()}:{settings.CLAUDE_PROXY_PORT}"


def alive_within():
    return timedelta(seconds=MISSED_BEATS * settings.CLAUDE_PROXY_HEARTBEAT_SECONDS)


class ProxyInstanceQuerySet(models.QuerySet):
    def alive(self, now=None):
        return self.filter(last_seen__gte=(now or timezone.now()) - alive_within())

    def gone(self, now=None):
        return self.filter(last_seen__lt=(now or timezone.now()) - alive_within())


class ProxyInstance(models.Model):
    """One running server: its name (CLAUDE_PROXY_INSTANCE, else host:port), since when,
    and what it ran at its last heartbeat."""

    name = models.CharField(max_length=100, unique=True)
    pid = models.PositiveIntegerField(null=True)
    started = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    processes = models.PositiveIntegerField(default=0)
    rss_mb = models.FloatField(default=0)
    turns = models.PositiveIntegerField(default=0)  # answering now

    objects = ProxyInstanceQuerySet.as_manager()

    class Meta:
        app_label = "sessions_admin"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def is_alive(self, now=None):
        return self.last_seen >= (now or timezone.now()) - alive_within()
