"""Slow or broken clients cannot hold a connection forever, and what daphne refuses
itself comes back in the API's JSON error envelope."""

import json
import socket
import time

import pytest

from messages_api.server import EnvelopeErrorRequest


def _connect(proxy):
    connection = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    connection.settimeout(10)
    return connection


def _closed_within(connection, seconds, trickle=None):
    """Seconds until the server closes `connection` (sending `trickle` bytes meanwhile)."""
    started = time.monotonic()
    connection.settimeout(0.2)
    while time.monotonic() - started < seconds:
        try:
            if connection.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            if trickle:
                try:
                    connection.sendall(trickle)
                except OSError:
                    return time.monotonic() - started
        except OSError:
            return time.monotonic() - started
    return None


@pytest.fixture
def strict_proxy(start_proxy):
    return start_proxy(CLAUDE_PROXY_CLIENT_IDLE_SECONDS="1", CLAUDE_PROXY_REQUEST_READ_SECONDS="2")


def test_it_closes_a_connection_that_trickles_its_headers(strict_proxy):
    connection = _connect(strict_proxy)
    connection.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    closed_after = _closed_within(connection, 10, trickle=b"X")  # a byte every 0.2 s: never idle

    assert closed_after is not None and closed_after < 5


def test_it_closes_a_connection_that_never_sends_its_body(strict_proxy):
    connection = _connect(strict_proxy)
    connection.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")

    closed_after = _closed_within(connection, 10)

    assert closed_after is not None and closed_after < 5


def test_it_closes_a_silent_connection(strict_proxy):
    connection = _connect(strict_proxy)

    closed_after = _closed_within(connection, 10)

    assert closed_after is not None and closed_after < 5


def test_it_answers_malformed_headers_with_a_bare_400_and_closes(proxy):
    # Twisted refuses these before daphne or Django see them: no body, no log row
    # (documented in docs/behaviour.md as out of reach).
    connection = _connect(proxy)
    connection.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n")

    response = b""
    while chunk := connection.recv(65536):
        response += chunk

    assert response == b"HTTP/1.1 400 Bad Request\r\n\r\n"


def test_it_gives_daphnes_own_errors_the_api_envelope():
    replies = []
    request = object.__new__(EnvelopeErrorRequest)
    request.handle_reply = replies.append

    request.basic_error(500, b"Internal Server Error", "Exception inside application.")

    start, body = replies
    assert start == {"type": "http.response.start", "status": 500, "headers": [(b"Content-Type", b"application/json")]}
    assert json.loads(body["body"]) == {"type": "error", "error": {"type": "api_error", "message": "Exception inside application."}}
