"""The turn lease on the row, without a server (sessions_admin.leases): who may take a
conversation's turn, a take-over at a lapse or a missing heartbeat, the commit fenced by
holder and epoch, the heartbeat's renewal and sweep, and the settings' check."""

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import override_settings
from django.utils import timezone

from sessions_admin import leases
from sessions_admin.instances import ProxyInstance
from sessions_admin.leases import TurnLost
from sessions_admin.models import Conversation

pytestmark = pytest.mark.usefixtures("own_rows")
BEAT = 10.0  # CLAUDE_PROXY_HEARTBEAT_SECONDS
settings = override_settings(CLAUDE_PROXY_HEARTBEAT_SECONDS=BEAT, CLAUDE_PROXY_LEASE_SECONDS=30.0)
take, commit, release = async_to_sync(leases.atake), async_to_sync(leases.acommit), async_to_sync(leases.arelease)
held_elsewhere = leases.held_elsewhere


@pytest.fixture(autouse=True)
def heartbeat_settings():
    with settings:
        yield


def instance(name, beats_ago=0.0):
    ProxyInstance.objects.create(name=name, last_seen=timezone.now() - timedelta(seconds=beats_ago * BEAT))


def conversation():
    return Conversation.objects.create(
        key=f"lease-{uuid.uuid4().hex}", key_kind="header", scope="s", expires_at=timezone.now() + timedelta(days=1)
    )


def fresh(row):
    return Conversation.objects.get(pk=row.pk)


def answer(text):
    return {"reply_digest": text, "request_count": 1}


def test_it_takes_a_free_turn_and_bumps_the_epoch():
    instance("a")
    row = conversation()

    lease = take(row, "a")

    assert lease == leases.Lease(row.pk, "a", 1)
    stored = fresh(row)
    assert (stored.turn_holder, stored.turn_epoch, stored.version) == ("a", 1, 0)
    assert stored.turn_held_until > timezone.now() + timedelta(seconds=25)


def test_it_leaves_a_turn_a_live_instance_answers():
    instance("a")
    instance("b", beats_ago=1.5)
    row = conversation()
    take(fresh(row), "b")

    assert take(fresh(row), "a") is None
    assert held_elsewhere(row.pk, "a") is True
    assert held_elsewhere(row.pk, "b") is False
    assert (fresh(row).turn_holder, fresh(row).turn_epoch) == ("b", 1)


def test_it_takes_a_lapsed_lease_over():
    instance("a")
    instance("b")
    row = conversation()
    take(fresh(row), "b")
    Conversation.objects.filter(pk=row.pk).update(turn_held_until=timezone.now() - timedelta(seconds=1))

    lease = take(fresh(row), "a")

    assert lease == leases.Lease(row.pk, "a", 2, taken_from="b")


def test_it_takes_over_at_a_missing_heartbeat_before_the_lease_ends():
    instance("a")
    instance("b", beats_ago=2.5)  # two beats missed; its lease has 30 s left
    row = conversation()
    take(fresh(row), "b")
    Conversation.objects.filter(pk=row.pk).update(turn_held_until=timezone.now() + timedelta(seconds=30))

    assert take(fresh(row), "a") == leases.Lease(row.pk, "a", 2, taken_from="b")


def test_it_takes_over_from_an_instance_that_never_beat():
    instance("a")
    row = conversation()
    take(fresh(row), "forgotten")

    assert take(fresh(row), "a").taken_from == "forgotten"


def test_it_does_not_take_a_row_that_moved_on():
    instance("a")
    row = conversation()
    stale = fresh(row)
    Conversation.objects.filter(pk=row.pk).update(version=1)
    assert take(stale, "a") is None

    other_take = fresh(row)
    take(fresh(row), "a")
    release(leases.Lease(row.pk, "a", 1), fresh(row))
    assert take(other_take, "a") is None  # the epoch moved under it
    assert take(fresh(row), "a").epoch == 2


def test_it_refuses_the_late_commit_while_the_new_holder_answers():
    instance("a", beats_ago=3)
    instance("b")
    row = conversation()
    late = take(a_row := fresh(row), "a")
    taken_over = take(fresh(row), "b")
    held_until = fresh(row).turn_held_until

    with pytest.raises(TurnLost):
        commit(late, a_row, answer("a's answer"))

    stored = fresh(row)
    assert (stored.turn_holder, stored.turn_epoch, stored.turn_held_until) == ("b", taken_over.epoch, held_until)
    assert (stored.version, stored.reply_digest, stored.request_count) == (0, "", 0)


def test_it_keeps_one_answer_per_turn_whichever_commits_first():
    instance("a", beats_ago=3)
    instance("b")
    row = conversation()
    late = take(a_row := fresh(row), "a")
    b_row = fresh(row)
    on_time = take(b_row, "b")

    commit(on_time, b_row, answer("b's answer"))
    with pytest.raises(TurnLost):
        commit(late, a_row, answer("a's answer"))

    stored = fresh(row)
    assert (stored.version, stored.reply_digest, stored.turn_holder, stored.turn_held_until) == (1, "b's answer", "", None)
    assert b_row.version == 1


def test_it_commits_a_turn_once():
    instance("a")
    row = conversation()
    lease = take(row, "a")
    commit(lease, row, answer("first"))

    with pytest.raises(TurnLost):
        commit(lease, row, answer("again"))

    assert (fresh(row).version, fresh(row).reply_digest) == (1, "first")


def test_it_gives_back_only_its_own_lease():
    instance("a", beats_ago=3)
    instance("b")
    row = conversation()
    late = take(a_row := fresh(row), "a")
    take(fresh(row), "b")

    release(late, a_row)

    assert fresh(row).turn_holder == "b"
    assert a_row.turn_holder == "a"  # what it knew; the next take reads the row again


def test_the_heartbeat_renews_what_it_holds_and_hears_what_it_lost():
    instance("a")
    instance("b")
    kept_row, lost_row, live_row, moved_row, dropped_row = (conversation() for _ in range(5))
    kept = take(fresh(kept_row), "a")
    lost = take(fresh(lost_row), "a")
    Conversation.objects.filter(pk=lost_row.pk).update(turn_holder="b", turn_epoch=lost.epoch + 1)
    soon = timezone.now() + timedelta(seconds=1)
    Conversation.objects.filter(pk=kept_row.pk).update(turn_held_until=soon)
    Conversation.objects.filter(pk__in=[live_row.pk, dropped_row.pk]).update(live_on="a", live_until=soon)
    Conversation.objects.filter(pk=moved_row.pk).update(live_on="b", live_until=soon)

    gone = leases.renew("a", [kept, lost], {live_row.pk, moved_row.pk})

    assert gone == [lost]
    assert fresh(kept_row).turn_held_until > soon + timedelta(seconds=25)
    assert (fresh(lost_row).turn_holder, fresh(lost_row).turn_epoch) == ("b", lost.epoch + 1)
    assert fresh(live_row).live_until > soon + timedelta(seconds=25)
    assert (fresh(moved_row).live_on, fresh(moved_row).live_until) == ("b", soon)  # not claimed back
    assert (fresh(dropped_row).live_on, fresh(dropped_row).live_until) == ("", None)


@pytest.mark.parametrize(
    "heartbeat, lease, refused",
    [(10.0, 30.0, False), (10.0, 20.0, False), (10.0, 19.0, True), (1.0, 5.0, False), (5.0, 1.0, True)],
)
def test_the_settings_refuse_a_lease_shorter_than_two_heartbeats(heartbeat, lease, refused):
    with override_settings(CLAUDE_PROXY_HEARTBEAT_SECONDS=heartbeat, CLAUDE_PROXY_LEASE_SECONDS=lease):
        errors = leases.check_lease_outlives_heartbeats()

    assert [error.id for error in errors] == (["claude_proxy.E001"] if refused else [])
