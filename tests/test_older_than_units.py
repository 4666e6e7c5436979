"""--older-than of both purge commands: a bare number is refused, not read as seconds."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# A database of the module's own: the shared one may not be migrated yet, nor empty.
pytestmark = pytest.mark.usefixtures("own_rows")


@pytest.mark.parametrize("command", ["purge_sessions", "purge_request_logs"])
@pytest.mark.parametrize("value", ["30", "90", "1.5"])
def test_it_refuses_a_number_without_a_unit(command, value):
    with pytest.raises(CommandError) as raised:
        call_command(command, older_than=value, dry_run=True)

    assert str(raised.value) == f"--older-than: {value!r} has no unit; say 90m, 24h or 7d"


@pytest.mark.parametrize(("command", "said"), [("purge_sessions", "conversations"), ("purge_request_logs", "request logs")])
def test_it_takes_a_number_with_a_unit(command, said):
    assert call_command(command, older_than="90m", dry_run=True) == f"Would delete 0 {said}."
