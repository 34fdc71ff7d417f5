"""Two agents logged in at once in a real browser, on the ASGI server: the inbox and the ticket
page follow what happens without a reload; notes, mentions, canned responses and the keyboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from crm.models import Message
from crm.services.tenants import api_key_create
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_browser import ARGS, CHROMIUM

from .server import asgi_server

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM}"),
]
#: where the screenshots of the docs are written when LIVE_SCREENSHOTS is set
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def team(tenant, make_staff, channels):
    from django.contrib.auth import get_user_model

    from crm.services.contacts import contact_create

    contact_create(tenant=tenant, name="Alice Martin", identities=[{"kind": "email", "address": "alice@example.com"}])
    ann = make_staff(tenant, "ann")
    make_staff(tenant, "cat")
    get_user_model().objects.filter(pk=ann.pk).update(first_name="Ann", last_name="Lee")
    _, agent_key = api_key_create(tenant=tenant, role="agent", label="Support bot")
    _, manager_key = api_key_create(tenant=tenant, role="manager", label="setup")
    return {"channel": channels["email"].pk, "agent_key": agent_key, "manager_key": manager_key}


def log_in(page, base, username):
    page.goto(f"{base}/dashboard/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/dashboard/")
    page.wait_for_selector("body[data-live=connected]")


def api_post(base, key, path, body):
    response = requests.post(f"{base}/api/v1/{path}", json=body, headers={"Authorization": f"Token {key}"}, timeout=10)
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def screenshot(page, name):
    if os.environ.get("LIVE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_two_agents_work_live_on_the_same_ticket(team):
    with asgi_server() as base, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        errors: list[str] = []
        ann, cat = (
            browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900}).new_page() for _ in "ac"
        )
        for page in (ann, cat):
            page.set_default_timeout(15_000)
            page.on(
                "console", lambda m: m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text)
            )
        log_in(ann, base, "ann")
        log_in(cat, base, "cat")

        # A message arrives: both inboxes show it without a reload.
        message = api_post(
            base,
            team["agent_key"],
            "messages/inbound/",
            {"channel": team["channel"], "from": "alice@example.com", "text": "My zip broke", "subject": "Broken zip"},
        )
        ticket = message["ticket"]
        for page in (ann, cat):
            page.wait_for_selector(f"#inbox-list tr[data-ticket='{ticket}']:has-text('Broken zip')")
        screenshot(cat, "live-inbox.png")

        # Ann opens it with the keyboard; Cat opens it too, and each sees the other there.
        ann.keyboard.press("j")
        assert ann.locator("#inbox-list tr.selected").get_attribute("data-ticket") == str(ticket)
        ann.keyboard.press("Enter")
        ann.wait_for_url(f"**/dashboard/tickets/{ticket}/")
        cat.goto(f"{base}/dashboard/tickets/{ticket}/")
        ann.wait_for_selector("#presence:has-text('cat is viewing this ticket')")
        cat.wait_for_selector("#presence:has-text('Ann Lee is viewing this ticket')")

        # Ann takes it (a): Cat's page shows the new assignee.
        ann.keyboard.press("a")
        ann.wait_for_selector("#ticket-side:has-text('Release')")
        cat.wait_for_selector("#ticket-side dd:has-text('ann')")

        # Ann writes a note mentioning Cat: Cat is told, and sees the note in the timeline.
        ann.keyboard.press("n")
        ann.keyboard.type("@cat can you send the return label?")
        cat.wait_for_selector("#presence.typing:has-text('Ann Lee is typing')")
        ann.click("#note-form button[type=submit]")
        cat.wait_for_selector(".toast:has-text('Ann Lee mentioned you on ticket #')")
        cat.wait_for_selector("#context .entry.note:has-text('can you send the return label?')")
        assert cat.locator("#mentions-count").inner_text() == "1"

        # Cat answers with a canned response: / then its shortcut, Enter inserts it, then sends.
        api_post(
            base,
            team["manager_key"],
            "canned-responses/",
            {"shortcut": "label", "title": "Return label", "text": "Hello {{ contact.name }}, ticket {{ ticket.id }}."},
        )
        cat.keyboard.press("/")
        cat.keyboard.type("lab")
        cat.wait_for_selector("#canned-list li.active:has-text('/label')")
        cat.keyboard.press("Enter")
        expected = f"Hello Alice Martin, ticket {ticket}."
        assert cat.input_value("#id_text") == expected
        cat.keyboard.press("Control+Enter")  # sends the reply from its box
        cat.wait_for_url(f"**/dashboard/tickets/{ticket}/")
        ann.wait_for_selector(f"#context .entry.outbound:has-text('{expected}')")
        screenshot(ann, "ticket-notes.png")

        # Ann resolves it (e): Cat's page follows.
        ann.keyboard.press("e")
        cat.wait_for_selector("#ticket-status:has-text('Resolved')")

        # Back in the inbox (u), Cat resolves the next ticket from the list (j, e).
        second = api_post(
            base,
            team["agent_key"],
            "messages/inbound/",
            {"channel": team["channel"], "from": "bob@example.com", "text": "Invoice?", "subject": "Invoice"},
        )["ticket"]
        cat.keyboard.press("u")
        cat.wait_for_url("**/dashboard/")
        row = f"#inbox-list tr[data-ticket='{second}']"
        cat.wait_for_selector(row)
        cat.keyboard.press("j")
        cat.keyboard.press("e")
        cat.wait_for_selector(row, state="detached")
        ann.goto(f"{base}/dashboard/")
        assert ann.locator(row).count() == 0
        browser.close()
    assert errors == []
    reply = Message.objects.get(ticket_id=ticket, direction="outbound", purpose="conversation")
    assert (reply.text, reply.author) == (expected, "staff:cat")
