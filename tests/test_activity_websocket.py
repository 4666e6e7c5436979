"""The admin's live activity websocket: staff only; a snapshot, then request events."""

import re
import socket
import time
import uuid

import httpx
import pytest
from django.contrib.auth import get_user_model
from websockets.exceptions import InvalidStatus

from tests.helpers import forced_session, message_body, open_activity, receive

PASSWORD = "correct horse battery staple"


def events_of(ws, request_id, until=("end", "error"), timeout=60):
    """The events about `request_id`, in order, up to its last one."""
    events = []
    deadline = time.monotonic() + timeout
    while not events or events[-1]["event"] not in until:
        message = receive(ws, timeout=max(0.1, deadline - time.monotonic()))
        if message.get("request_id") == request_id:
            events.append(message)
    return events


def staff_session(server):
    """Log a new superuser in through the admin's login form; its sessionid cookie."""
    name = f"staff-{uuid.uuid4().hex[:8]}"
    get_user_model().objects.create_superuser(name, password=PASSWORD)
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        form = browser.get("/admin/login/", params={"next": "/admin/"})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        answer = browser.post(
            "/admin/login/",
            data={"username": name, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/admin/"},
        )
        assert (answer.status_code, answer.headers["location"]) == (302, "/admin/")
        return browser.cookies["sessionid"]


@pytest.fixture(scope="module")
def staff(proxy):
    return staff_session(proxy)


def rejected_status(server, **kwargs):
    with pytest.raises(InvalidStatus) as raised:
        with open_activity(server, **kwargs):
            pass
    return raised.value.response.status_code


def test_it_rejects_an_anonymous_connection_at_the_handshake(proxy):
    assert rejected_status(proxy) == 403


def test_it_rejects_a_logged_in_user_who_is_not_staff(proxy):
    user = get_user_model().objects.create_user(f"user-{uuid.uuid4().hex[:8]}", password=PASSWORD)

    assert rejected_status(proxy, session=forced_session(user)) == 403


def test_it_rejects_a_made_up_session(proxy):
    assert rejected_status(proxy, session="not-a-session") == 403


def test_it_rejects_staff_from_a_foreign_origin(proxy, staff):
    assert rejected_status(proxy, session=staff, origin="http://evil.example") == 403


def test_it_opens_with_a_snapshot_for_staff(proxy, staff):
    with open_activity(proxy, session=staff) as ws:
        first = receive(ws)

    assert first["event"] == "snapshot"
    assert set(first) == {"event", "instance", "in_flight", "processes", "usage"}
    assert first["instance"] == f"{socket.gethostname()}:{proxy.port}"
    assert first["in_flight"] == []
    assert isinstance(first["processes"], list)


def test_it_opens_with_an_empty_snapshot_on_a_fresh_proxy(start_proxy):
    server = start_proxy()
    session = staff_session(server)

    with open_activity(server, session=session) as ws:
        assert receive(ws) == {
            "event": "snapshot", "instance": f"{socket.gethostname()}:{server.port}",
            "in_flight": [], "processes": [], "usage": [],
        }  # fmt: skip


def test_it_pushes_start_first_token_and_end_of_a_request(proxy, upstream, staff):
    request_id = f"ws-{uuid.uuid4().hex}"
    with open_activity(proxy, session=staff) as ws:
        assert receive(ws)["event"] == "snapshot"

        response = httpx.post(
            f"{proxy.url}/v1/messages",
            json=message_body(stream=False),
            headers={"x-request-id": request_id},
            timeout=60,
        )
        assert response.status_code == 200
        events = events_of(ws, request_id)

    assert [event["event"] for event in events] == ["start", "first_token", "end"]
    start, first_token, end = events
    assert (start["endpoint"], start["model"], start["stream"], start["status"]) == (
        "/v1/messages",
        "claude-sonnet-4-5",
        False,
        None,
    )
    # While it answers, its CLI process is listed as answering.
    answering = [p for p in first_token["processes"] if p["claude_session_id"] == response.headers["x-claude-session-id"]]
    assert [p["state"] for p in answering] == ["answering"]
    assert start["ttfb_ms"] is None
    assert first_token["ttfb_ms"] is not None
    assert (end["status"], end["error_type"]) == (200, "")
    assert end["claude_session_id"] == response.headers["x-claude-session-id"]
    assert end["duration_ms"] >= end["ttfb_ms"] == first_token["ttfb_ms"]


def test_it_shows_the_live_process_of_a_finished_turn_in_the_next_snapshot(proxy, upstream, staff):
    response = httpx.post(f"{proxy.url}/v1/messages", json=message_body(f"Hi {uuid.uuid4().hex}", stream=False), timeout=60)
    assert response.status_code == 200
    [called] = upstream.message_requests()

    # Snapshots until its idle time reads 1 s: (opened, idle_seconds, received).
    readings = []
    deadline = time.monotonic() + 10
    while not readings or readings[-1][1] < 1:
        assert time.monotonic() < deadline, readings
        opened = time.monotonic()
        with open_activity(proxy, session=staff) as ws:
            snapshot = receive(ws)
        [process] = [p for p in snapshot["processes"] if p["claude_session_id"] == response.headers["x-claude-session-id"]]
        assert (process["state"], snapshot["in_flight"]) == ("idle", [])
        readings.append((opened, process["idle_seconds"], time.monotonic()))
        time.sleep(0.05)

    # Its turn ended after the upstream was called and before the first snapshot showed it
    # idle: each reading is the whole seconds since then (one clock: CLOCK_MONOTONIC).
    ended_after, ended_before = called.received_at, readings[0][2]
    for opened, idle_seconds, received in readings:
        assert round(opened - ended_before) <= idle_seconds <= round(received - ended_after)


def test_it_pushes_only_an_error_for_a_request_it_cannot_read(proxy, staff):
    request_id = f"ws-{uuid.uuid4().hex}"
    with open_activity(proxy, session=staff) as ws:
        assert receive(ws)["event"] == "snapshot"

        response = httpx.post(
            f"{proxy.url}/v1/messages",
            content=b"{not json",
            headers={"x-request-id": request_id, "content-type": "application/json"},
            timeout=30,
        )
        events = events_of(ws, request_id)

    assert response.status_code == 400
    assert [event["event"] for event in events] == ["error"]
    assert (events[0]["status"], events[0]["error_type"]) == (400, "invalid_request_error")
