"""The widget in a real browser, embedded by a page of ANOTHER origin: a visitor writes, an
agent replies from the dashboard's ticket page, the visitor sees the reply without reloading;
a reload keeps the conversation; a page of an origin the channel does not list is refused."""

from __future__ import annotations

import http.server
import os
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership, Message
from crm.services.tenants import channel_create
from tests.dashboards.conftest import PASSWORD
from tests.dashboards.test_browser import ARGS, CHROMIUM, log_in

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no browser at {CHROMIUM}"),
]

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Our shop</h1>
<script src="{src}" async></script>
</body></html>
"""


@contextmanager
def shop_site():
    """A second, tiny HTTP server: the business's site, on a port of its own; it serves the
    page put in the dict it yields with the port."""
    page = {"html": ""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], page
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def agent(tenant):
    user = get_user_model().objects.create_user(username="agent", password=PASSWORD, is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="agent")
    return user


def test_a_visitor_on_another_origin_chats_with_an_agent(live_server, tenant, agent):
    with shop_site() as (port, page):
        shop = f"http://127.0.0.1:{port}"
        credentials = {"allowed_origins": shop}
        channel = channel_create(tenant=tenant, kind="webchat", name="Chat", provider="widget", credentials=credentials)
        src = f"{live_server.url}/webhooks/{channel.webhook_token}/widget.js"
        page["html"] = PAGE.format(lang="fr", src=src)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            _conversation(browser, live_server.url, shop, channel.pk)
            _refused_elsewhere(browser, f"http://localhost:{port}", src)
            browser.close()
    reply = Message.objects.get(direction="outbound")
    assert (reply.channel_id, reply.status) == (channel.pk, "read")
    assert Message.objects.get(direction="inbound").text == "Bonjour, ma commande 4411 ?"


def _conversation(browser, base_url, shop, channel_id):
    staff = browser.new_context(locale="en-GB").new_page()
    staff.set_default_timeout(15_000)
    log_in(staff, f"{base_url}/", "agent")  # the agent is online from now on

    visitor = browser.new_context(locale="fr-FR").new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(shop + "/")
    launcher = visitor.locator(".omnicrm-launcher")
    assert launcher.inner_text() == "Discuter avec nous"  # <html lang="fr">
    launcher.click()
    visitor.wait_for_selector(".omnicrm-status:has-text('Un conseiller est en ligne.')")
    visitor.fill("textarea.omnicrm-input", "Bonjour, ma commande 4411 ?")
    visitor.click("button.omnicrm-send")
    visitor.wait_for_selector("li[data-direction=inbound]:has-text('ma commande 4411')")
    visitor.evaluate("window.notReloaded = true")

    staff.goto(f"{base_url}/dashboard/")
    staff.click("a.subject")
    staff.wait_for_selector("#context:has-text('ma commande 4411')")
    staff.select_option("select[name=channel]", str(channel_id))
    staff.fill("textarea[name=text]", "Elle part aujourd'hui.")
    staff.click("#reply-form button[type=submit]")
    staff.wait_for_selector(".messages:has-text('Reply queued')")

    # polled, shown, reported seen: without a reload
    visitor.wait_for_selector("li[data-direction=outbound][data-status=read]:has-text('Elle part aujourd')")
    assert visitor.evaluate("window.notReloaded") is True  # seen without a reload

    visitor.reload()
    visitor.locator(".omnicrm-launcher").click()
    items = visitor.locator("li[data-direction]")
    items.nth(1).wait_for()
    assert items.all_inner_texts() == ["Bonjour, ma commande 4411 ?", "Elle part aujourd'hui."]


def _refused_elsewhere(browser, other_origin, src):
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(other_origin + "/")
    page.wait_for_selector(".omnicrm-launcher[data-state=unavailable]")
    session = src.replace("widget.js", "widget/session")
    outcome = page.evaluate(
        """url => fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})
            .then(r => "answered " + r.status, e => "refused: " + e.name)""",
        session,
    )
    assert outcome == "refused: TypeError"  # the browser's CORS check, not a readable answer
