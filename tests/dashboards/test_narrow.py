"""On a phone (390 px wide) every page fits: no horizontal scrolling, the navigation reachable."""

from __future__ import annotations

import pytest

from tests.dashboards.test_browser import ARGS, CHROMIUM, log_in, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager(tenant, make_staff):
    return make_staff(tenant, username="boss", role="manager")


def test_pages_fit_a_390px_phone(live_server, manager, conversation):
    pages = [
        "/dashboard/",
        f"/dashboard/tickets/{conversation.pk}/",
        f"/dashboard/contacts/{conversation.contact_id}/",
        "/dashboard/contacts/",
        "/dashboard/journeys/",
        "/dashboard/comparison/",
        "/dashboard/settings/",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-GB")
        page.set_default_timeout(15_000)
        log_in(page, f"{live_server.url}/dashboard/", manager.username)
        overflowing = {}
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                overflowing[path] = width
        assert page.locator("nav.nav a[href='/dashboard/contacts/']").is_visible()
        browser.close()
    assert overflowing == {}
