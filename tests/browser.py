"""Headless Chromium (Debian's, driven by Playwright), logged in to the admin at 1280×800.

Screenshots are saved under test-artifacts/admin/ for a human to look at.
"""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "admin"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A laptop's screen: every list and page must fit it without scrolling sideways.
VIEWPORT = {"width": 1280, "height": 800}
USERNAME, PASSWORD = "browser-admin", "a-long-test-password"

# CI installs chromium (.ci/run); only a developer's machine may lack it.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture
def page(proxy, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM reads stay sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_staff": True, "is_superuser": True})
    user.set_password(PASSWORD)
    user.save()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{proxy.url}/admin/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#live-activity-link")
        yield page
        browser.close()
        # While Playwright's loop runs, Django keeps the test's connection apart from the
        # thread's own: given back here, or it is never closed (and on PostgreSQL the
        # run's database cannot be dropped).
        connection.close()


def shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def scrolls_sideways(page):
    """Whether the page is wider than the window (a column out of sight)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
