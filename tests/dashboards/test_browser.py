"""A real browser: log in, open the inbox, open a ticket, send a reply, see it in the context."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

from crm.models import Message
from tests.dashboards.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM}"),
]


@contextmanager
def browser_page():
    """A fresh headless page; the ORM must not be used inside (Playwright runs an event loop)."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="en-GB")
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def log_in(page, url, username):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/dashboard/")


def test_agent_replies_from_the_inbox(live_server, staff, conversation, channels):
    ticket_id, sms_id = conversation.pk, channels["sms"].pk
    with browser_page() as page:
        _reply_in_browser(page, live_server.url, staff.username, ticket_id, sms_id)
    reply = Message.objects.get(ticket_id=ticket_id, direction="outbound")
    assert (reply.channel_id, reply.to_address, reply.author) == (sms_id, "+33612345678", f"staff:{staff.username}")


def _reply_in_browser(page, base_url, username, ticket_id, sms_id):
    log_in(page, f"{base_url}/", username)
    assert page.locator("h1").inner_text() == "Inbox"
    page.click(f"a[href='/dashboard/tickets/{ticket_id}/'].subject")
    page.wait_for_url(f"**/dashboard/tickets/{ticket_id}/")
    assert "My order 4411 is late" in page.locator("#context").inner_text()
    page.select_option("select[name=channel]", str(sms_id))
    page.fill("textarea[name=text]", "Your parcel leaves the warehouse today.")
    page.click("#reply-form button[type=submit]")
    page.wait_for_url(f"**/dashboard/tickets/{ticket_id}/")
    context = page.locator("#context").inner_text()
    assert "Your parcel leaves the warehouse today." in context
    assert "Reply queued" in page.locator(".messages").inner_text()


def test_language_switch_to_french(live_server, staff):
    with browser_page() as page:
        log_in(page, f"{live_server.url}/dashboard/", staff.username)
        page.select_option("#language", "fr")
        page.wait_for_selector("h1:has-text('Boîte de réception')")
        assert page.locator("html").get_attribute("lang") == "fr"
