"""Every dashboard page, in English and in French, in a real browser, on demo data: it renders
without a console error, in the language chosen. With ``SCREENSHOTS_DIR`` set, each page is
also saved there as a PNG (``docs/screenshots/``, shown in the README)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm.models import Contact, Ticket
from journeys.models import Journey
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_browser import ARGS, CHROMIUM, sync_api

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM}"),
]

HEADINGS = {
    "inbox": ("Inbox", "Boîte de réception"),
    "contacts": ("Customers", "Clients"),
    "journeys": ("Journeys", "Parcours"),
    "comparison": ("comparison", "comparaison"),
    "settings": ("Settings", "Réglages"),
}


@pytest.fixture
def demo(django_db_blocker):
    call_command("demo", customers=12, days=5, stdout=open(os.devnull, "w"))
    user = get_user_model().objects.get(username="demo")
    user.set_password(PASSWORD)
    user.save()
    ticket = Ticket.objects.filter(tenant__slug="demo").order_by("pk").first()
    contact = Contact.objects.filter(tenant__slug="demo").order_by("pk").first()
    journey = Journey.objects.filter(tenant__slug="demo").order_by("pk").first()
    return {"ticket": ticket.pk, "contact": contact.pk, "journey": journey.pk if journey else None}


def test_every_page_in_both_languages(live_server, demo):
    pages = {
        "inbox": "/dashboard/",
        "ticket": f"/dashboard/tickets/{demo['ticket']}/",
        "contacts": "/dashboard/contacts/",
        "contact": f"/dashboard/contacts/{demo['contact']}/",
        "journeys": "/dashboard/journeys/",
        "comparison": "/dashboard/comparison/",
        "settings": "/dashboard/settings/",
        "search": "/dashboard/search/?q=commande",
    }
    if demo["journey"]:
        pages["journey"] = f"/dashboard/journeys/{demo['journey']}/"
    out = os.environ.get("SCREENSHOTS_DIR")
    problems = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for index, language in enumerate(("en", "fr")):
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=language)
            page.set_default_timeout(20_000)
            errors = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
            page.fill("#id_username", "demo")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url("**/dashboard/")
            if language == "fr":
                page.select_option("#language", "fr")
                page.wait_for_selector("h1:has-text('Boîte de réception')")
            for name, path in pages.items():
                response = page.goto(f"{live_server.url}{path}")
                if response.status != 200:
                    problems.append(f"{language} {name}: HTTP {response.status}")
                    continue
                heading = page.locator("h1").first.inner_text()
                if name in HEADINGS and HEADINGS[name][index].lower() not in heading.lower():
                    problems.append(f"{language} {name}: heading {heading!r}")
                if page.evaluate("document.documentElement.lang") != language:
                    problems.append(f"{language} {name}: lang attribute")
                if out:
                    Path(out).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(out) / f"{name}-{language}.png"), full_page=True)
            # the test's server speaks plain HTTP: the live updates' socket is refused, the page works without it
            problems += [f"{language}: console error {e}" for e in errors if "WebSocket" not in e]
            page.close()
        browser.close()
    assert problems == [], "\n".join(problems)
