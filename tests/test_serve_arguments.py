"""`manage.py serve --port/--host`: bad values get one line naming the option, no traceback."""

import pytest

from tests.test_serve import serve


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "0"], "argument --port: 0 is not a port number (1-65535)"),
        (["--port", "70000"], "argument --port: 70000 is not a port number (1-65535)"),
        (["--port", "http"], "argument --port: 'http' is not a port number (1-65535)"),
        (["--host", "no-such-host.invalid"], "argument --host: 'no-such-host.invalid' is not an address or a host name that resolves"),
    ],
)
def test_it_refuses_a_bad_value(tmp_path, args, message):
    result = serve(*args, data_dir=tmp_path)

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_an_address_this_machine_does_not_have(tmp_path):
    result = serve("--host", "203.0.113.9", "--port", "45321", data_dir=tmp_path)

    assert result.returncode == 1
    assert "Cannot listen on 203.0.113.9:45321" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_explains_its_options(tmp_path):
    result = serve("--help", data_dir=tmp_path)

    assert result.returncode == 0
    assert "address to listen on (default 127.0.0.1" in " ".join(result.stdout.split())
    assert "TCP port to listen on, 1-65535 (default 3456" in " ".join(result.stdout.split())
