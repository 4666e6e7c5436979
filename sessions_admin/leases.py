"""The turn lease: which instance answers a conversation now. Its one owner.

A turn is taken for an instance in the conversation's row (`turn_holder`, until
`turn_held_until`), and every take bumps the row's fencing epoch (`turn_epoch`). The
turn is written back only under the lease it was taken with, holder and epoch: an
instance whose lease another took over meanwhile gets `TurnLost` and writes nothing,
so one answer is kept per turn however late the first instance comes back.

A turn is free when no one holds it, this instance does, its lease ran out, or its
holder is gone (no heartbeat within `instances.alive_within`: two missed): a survivor
takes a dead instance's turn at its missing heartbeat, not at the lease's end. The
heartbeat renews only what its instance still holds (`renew`), and hears which turns
it lost.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import checks
from django.db.models import F, Q
from django.utils import timezone

from .instances import MISSED_BEATS, ProxyInstance
from .models import Conversation


class TurnLost(Exception):
    """Another instance took this turn over (this one's lease lapsed): nothing is written."""


@dataclass(frozen=True)
class Lease:
    conversation_id: int
    holder: str
    epoch: int
    taken_from: str = ""  # the other instance whose turn this took over, if any


def check_lease_outlives_heartbeats(app_configs=None, **kwargs):
    """A lease shorter than the beats that renew it would lapse under a living instance."""
    heartbeat, lease = settings.CLAUDE_PROXY_HEARTBEAT_SECONDS, settings.CLAUDE_PROXY_LEASE_SECONDS
    if lease >= MISSED_BEATS * heartbeat:
        return []
    message = (
        f"CLAUDE_PROXY_LEASE_SECONDS ({lease:g}) is shorter than {MISSED_BEATS} heartbeats "
        f"(CLAUDE_PROXY_HEARTBEAT_SECONDS {heartbeat:g}): a living instance would lose its turns"
    )
    return [checks.Error(message, hint=f"Set it to at least {MISSED_BEATS * heartbeat:g}.", id="claude_proxy.E001")]


def lease_until(now=None):
    return (now or timezone.now()) + timedelta(seconds=settings.CLAUDE_PROXY_LEASE_SECONDS)


def free_for(instance, now):
    """The rows whose turn `instance` may take now."""
    alive = ProxyInstance.objects.alive(now).values("name")
    return Q(turn_holder="") | Q(turn_holder=instance) | Q(turn_held_until__lt=now) | ~Q(turn_holder__in=alive)


async def atake(conversation, instance, now=None):
    """Take the turn of `conversation` (a row as read, or as this instance last wrote it)
    for `instance`: a Lease, or None when the row moved on (a newer version, or another
    take) or another live instance answers it now. One UPDATE decides it."""
    now = now or timezone.now()
    epoch = conversation.turn_epoch + 1
    taken = await Conversation.objects.filter(
        free_for(instance, now), pk=conversation.pk, version=conversation.version, turn_epoch=conversation.turn_epoch
    ).aupdate(turn_holder=instance, turn_held_until=lease_until(now), turn_epoch=epoch)
    if not taken:
        return None
    previous = conversation.turn_holder if conversation.turn_holder != instance else ""
    conversation.turn_holder, conversation.turn_epoch = instance, epoch
    return Lease(conversation.pk, instance, epoch, taken_from=previous)


def held_elsewhere(conversation_id, instance, now=None):
    """Whether another live instance answers the conversation now."""
    rows = Conversation.objects.filter(pk=conversation_id).exclude(free_for(instance, now or timezone.now()))
    return rows.exists()


def _held(lease):
    return Conversation.objects.filter(pk=lease.conversation_id, turn_holder=lease.holder, turn_epoch=lease.epoch)


async def arelease(lease, conversation):
    """Give the turn back with nothing written (no turn reached the CLI)."""
    if await _held(lease).aupdate(turn_holder="", turn_held_until=None):
        conversation.turn_holder, conversation.turn_held_until = "", None


async def acommit(lease, conversation, fields):
    """Write what the turn left (`fields`, Conversation.turn_written) and give the turn
    back, under the lease alone; the row's version goes up. TurnLost if another took it."""
    written = await _held(lease).aupdate(**fields, turn_holder="", turn_held_until=None, version=F("version") + 1)
    if not written:
        raise TurnLost(f"conversation {lease.conversation_id}: its turn went to another instance")
    conversation.turn_holder, conversation.turn_held_until = "", None
    conversation.version += 1


def renew(instance, leases, live, now=None):
    """The heartbeat's pass over this instance's claims: the turn leases it still holds
    (holder and epoch) and the conversations whose CLI it keeps (`live`, ids; only where
    the row still says so: one another instance went on with is not claimed back) run on;
    the claims it no longer makes are swept. Returns the leases lost to a take-over."""
    until = lease_until(now)
    ids = [lease.conversation_id for lease in leases]
    still = set(Conversation.objects.filter(pk__in=ids, turn_holder=instance).values_list("pk", "turn_epoch"))
    held = [lease for lease in leases if (lease.conversation_id, lease.epoch) in still]
    Conversation.objects.filter(pk__in=[lease.conversation_id for lease in held], turn_holder=instance).update(
        turn_held_until=until
    )
    Conversation.objects.filter(pk__in=live, live_on=instance).update(live_until=until)
    Conversation.objects.filter(live_on=instance).exclude(pk__in=live).update(live_on="", live_until=None)
    return [lease for lease in leases if lease not in held]

