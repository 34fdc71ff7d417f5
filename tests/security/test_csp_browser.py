"""In a real browser, the pages work under their Content-Security-Policy: nothing is refused
(every refusal is a console error), the dashboards' script runs and the Swagger UI renders."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

from tests.dashboards.test_browser import ARGS, CHROMIUM, log_in

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM}"),
]
# Also reported as a console error, whatever the browser's own wording of a refusal.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"""


def violations_while(visit) -> list[str]:
    """Console errors about the policy while ``visit(page)`` runs."""
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="en-GB")
        page.set_default_timeout(15_000)
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        visit(page)
        browser.close()
    return [e for e in errors if "Content Security Policy" in e or "CSP violation" in e]


def test_dashboards_and_admin_run_under_the_policy(live_server, staff, conversation):
    get_user_model().objects.filter(pk=staff.pk).update(is_superuser=True)
    base, ticket_id, contact_id = live_server.url, conversation.pk, conversation.contact_id

    def visit(page):
        log_in(page, f"{base}/dashboard/", staff.username)
        for path in (
            f"/dashboard/tickets/{ticket_id}/",
            "/dashboard/contacts/",
            f"/dashboard/contacts/{contact_id}/",
            "/dashboard/journeys/",
            "/dashboard/comparison/",
            "/admin/",
            "/admin/crm/channel/",
            "/admin/crm/channel/add/",
        ):
            page.goto(base + path)
        page.goto(f"{base}/dashboard/")
        page.select_option("#language", "fr")  # the dashboards' script submits the form
        page.wait_for_selector("h1:has-text('Boîte de réception')")

    assert violations_while(visit) == []


def test_swagger_ui_renders_under_the_policy(live_server):
    def visit(page):
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title")
        page.wait_for_selector(".opblock")  # the operations, from the schema it fetched

    assert violations_while(visit) == []


def test_a_refused_inline_script_would_be_seen(live_server, staff):
    """The listener sees a refusal: an inline script added to a page is refused and reported."""

    def visit(page):
        log_in(page, f"{live_server.url}/dashboard/", staff.username)
        page.goto(f"{live_server.url}/dashboard/")
        page.evaluate("""() => { const s = document.createElement('script');
            s.textContent = 'window.ran = 1'; document.body.appendChild(s); }""")
        assert page.evaluate("() => window.ran") is None

    assert violations_while(visit), "an inline script is refused and reported"
