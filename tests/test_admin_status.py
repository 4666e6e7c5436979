"""The admin's lists of the subscription's usage windows and of the instances on the
database, in Chromium: what the rows hold, and actions that say what they did."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_admin.instances import ProxyInstance
from sessions_admin.usage_windows import UsageWindow
from tests.browser import needs_chromium, page, shot  # noqa: F401 (page is a fixture)
from tests.several_instances import wait_until

pytestmark = needs_chromium
LOGIN = "admin-status@example.com"


@pytest.fixture
def readings():
    now = timezone.now()
    UsageWindow.objects.filter(login=LOGIN).delete()
    UsageWindow.objects.create(login=LOGIN, window="five_hour", status="rejected", utilization=1.0, resets_at=now + timedelta(hours=1))
    UsageWindow.objects.create(login=LOGIN, window="seven_day", status="allowed", utilization=0.25, resets_at=now + timedelta(days=3))
    yield
    UsageWindow.objects.filter(login=LOGIN).delete()


def test_it_lists_the_usage_windows_and_forgets_a_refusal(readings, proxy, page):
    page.goto(f"{proxy.url}/admin/sessions_admin/usagewindow/?login={LOGIN}")
    rows = page.locator("#result_list tbody tr")

    assert rows.count() == 2
    five_hour = page.locator("#result_list tbody tr", has_text="5-hour")
    assert five_hour.locator(".field-status").inner_text() == "Refused"
    assert five_hour.locator(".field-used").inner_text() == "100 %"
    shot(page, "usage-windows-list")

    five_hour.locator("input.action-select").check()
    page.select_option("select[name=action]", "forget_selected")
    page.click("button[name=index]")
    assert "Forgot 1 window reading." in page.locator(".messagelist").inner_text()
    assert list(UsageWindow.objects.filter(login=LOGIN).values_list("window", flat=True)) == ["seven_day"]


def test_it_lists_the_instances_and_forgets_only_gone_ones(proxy, page):
    wait_until(lambda: ProxyInstance.objects.filter(name=f"{socket.gethostname()}:{proxy.port}").exists(), what="a heartbeat")
    gone = ProxyInstance.objects.create(name="gone-host:1", last_seen=timezone.now() - timedelta(hours=2))
    page.goto(f"{proxy.url}/admin/sessions_admin/proxyinstance/")

    alive = page.locator("#result_list tbody tr", has_text=f"{socket.gethostname()}:{proxy.port}")
    assert alive.locator(".field-alive img").get_attribute("alt") == "True"
    assert page.locator("#result_list tbody tr", has_text="gone-host:1").locator(".field-alive img").get_attribute("alt") == "False"
    shot(page, "instances-list")

    # The alive one and the gone one selected: only the gone one goes.
    alive.locator("input.action-select").check()
    page.locator("#result_list tbody tr", has_text="gone-host:1").locator("input.action-select").check()
    page.select_option("select[name=action]", "forget_gone")
    page.click("button[name=index]")
    assert "Forgot 1 gone instance." in page.locator(".messagelist").inner_text()
    assert not ProxyInstance.objects.filter(pk=gone.pk).exists()
    assert ProxyInstance.objects.filter(name=f"{socket.gethostname()}:{proxy.port}").exists()
