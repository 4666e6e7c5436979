"""The admin's middleware (sessions, CSRF, login, messages, frame options) runs for
/admin/ alone: the API's responses carry none of it, and the admin is as protected."""

import re

import httpx
from django.contrib.auth import get_user_model

USERNAME, PASSWORD = "middleware-admin", "another-long-test-password"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_it_answers_the_api_without_sessions_cookies_or_frame_options(proxy):
    response = httpx.get(f"{proxy.url}/v1/models", timeout=10)

    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert "x-frame-options" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["x-content-type-options"] == "nosniff"


def test_it_refuses_an_admin_login_without_a_csrf_token(proxy):
    response = httpx.post(f"{proxy.url}/admin/login/", data={"username": USERNAME, "password": PASSWORD}, timeout=10)

    assert response.status_code == 403
    assert "CSRF" in response.text


def test_it_logs_in_to_the_admin_with_a_csrf_token(proxy):
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_staff": True})
    user.set_password(PASSWORD)
    user.save()
    with httpx.Client(base_url=proxy.url, timeout=10) as browser:
        form = browser.get("/admin/login/")
        token = TOKEN.search(form.text).group(1)

        login = browser.post(
            "/admin/login/",
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/admin/"},
        )
        index = browser.get("/admin/")

    assert form.headers["x-frame-options"] == "DENY"
    assert "csrftoken" in form.cookies
    assert (login.status_code, login.headers["location"]) == (302, "/admin/")
    assert "sessionid" in login.cookies
    assert index.status_code == 200
