"""`manage.py purge_request_logs`: request logs older than --older-than (30d) go.

Each test runs on a database of its own (conftest.own_rows): every count is of its rows."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from sessions_admin.models import RequestLog

pytestmark = pytest.mark.usefixtures("own_rows")


def request_log(age):
    return RequestLog.objects.create(
        request_id=f"purge-{uuid.uuid4().hex[:16]}",
        method="POST",
        endpoint="/v1/messages",
        status=200,
        created=timezone.now() - age,
    )


def own_ids():
    return set(RequestLog.objects.values_list("request_id", flat=True))


def purge(*args, **options):
    out = StringIO()
    returned = call_command("purge_request_logs", *args, stdout=out, **options)
    return returned, out.getvalue()


def test_it_counts_in_a_dry_run_and_deletes_nothing():
    rows = [request_log(timedelta(days=31)), request_log(timedelta(days=40)), request_log(timedelta(days=29))]

    returned, printed = purge(dry_run=True)

    assert returned == "Would delete 2 request logs."
    assert printed == "Would delete 2 request logs.\n"
    assert own_ids() == {row.request_id for row in rows}


def test_it_deletes_logs_older_than_the_default_of_30_days():
    request_log(timedelta(days=31))
    request_log(timedelta(days=365))
    kept = request_log(timedelta(days=29))

    returned, printed = purge()

    assert returned == "Deleted 2 request logs."
    assert printed == "Deleted 2 request logs.\n"
    assert own_ids() == {kept.request_id}


def test_it_reports_none_to_delete_when_nothing_is_old_enough():
    kept = request_log(timedelta(days=1))

    assert purge(dry_run=True)[0] == "Would delete 0 request logs."
    assert purge()[0] == "Deleted 0 request logs."
    assert own_ids() == {kept.request_id}


@pytest.mark.parametrize(
    ("older_than", "older", "newer"),
    [
        ("90m", timedelta(minutes=100), timedelta(minutes=80)),
        ("24h", timedelta(hours=25), timedelta(hours=23)),
        ("7d", timedelta(days=8), timedelta(days=6)),
    ],
)
def test_it_takes_the_cutoff_from_older_than(older_than, older, newer):
    request_log(older)
    kept = request_log(newer)

    assert purge(older_than=older_than, dry_run=True)[0] == "Would delete 1 request logs."
    assert purge(older_than=older_than)[0] == "Deleted 1 request logs."
    assert own_ids() == {kept.request_id}


def test_it_reads_older_than_from_the_command_line():
    request_log(timedelta(hours=13))
    kept = request_log(timedelta(hours=11))

    returned, _ = purge("--older-than", "12h")

    assert returned == "Deleted 1 request logs."
    assert own_ids() == {kept.request_id}


@pytest.mark.parametrize("value", ["5x", "", "-3h"])
def test_it_refuses_a_bad_duration_naming_older_than_and_the_value(value):
    row = request_log(timedelta(days=400))

    with pytest.raises(CommandError) as raised:
        purge(older_than=value)

    assert str(raised.value) == f"--older-than: {value!r} is not a duration like 90m, 24h or 7d"
    assert own_ids() == {row.request_id}
