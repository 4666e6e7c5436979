"""A browser's visit to the root, its favicon, static files and scrapes stay out of the request log."""

import httpx
import pytest

from django.utils import timezone

from tests.helpers import logged, message_body, unlogged_since


@pytest.mark.parametrize("path", ["/", "/favicon.ico", "/static/admin/css/base.css", "/static/nothing-here.js", "/metrics"])
def test_it_does_not_log(proxy, path):
    started = timezone.now()

    response = httpx.get(f"{proxy.url}{path}", timeout=30)

    assert "x-request-id" not in response.headers
    assert unlogged_since(proxy, started, path)


def test_it_logs_a_post_to_the_root_a_client_with_a_wrong_base_url_makes(proxy):
    response = httpx.post(f"{proxy.url}/", json={}, timeout=30)

    assert response.status_code == 404
    assert logged(response.headers["x-request-id"]).endpoint == "/"


def test_it_still_logs_an_unknown_api_path(proxy):
    response = httpx.get(f"{proxy.url}/v1/nothing-here", timeout=30)

    assert response.status_code == 404
    assert logged(response.headers["x-request-id"]).endpoint == "/v1/nothing-here"


def test_it_logs_the_client_from_its_user_agent(proxy, upstream):
    response = httpx.post(
        f"{proxy.url}/v1/messages",
        json=message_body("Who is asking?", stream=False),
        headers={"user-agent": "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14"},
        timeout=60,
    )

    assert logged(response.headers["x-request-id"]).client == "opencode/1.18.33"
