"""conftest.own_database gives a module a database of its own, on SQLite and on PostgreSQL."""

import pytest

from sessions_admin.models import RequestLog


@pytest.fixture(scope="module")
def shared_row():
    """A row in the database the suite shares with the proxies, written before the module's own exists."""
    row = RequestLog.objects.create(request_id="req_own_database_shared", method="GET", endpoint="/v1/models", status=200)
    yield row
    row.delete()


def test_it_holds_none_of_the_shared_databases_rows(shared_row, own_database):
    assert not RequestLog.objects.filter(request_id=shared_row.request_id).exists()

