"""A Content-Security-Policy on every page, that allows no inline script or style but the API
docs' own (carrying the response's nonce); the templates need none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def assert_strict(response) -> dict[str, list[str]]:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name] and "'unsafe-eval'" not in directives[name]
    return directives


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_every_dashboard_page_has_the_policy(staff_client, conversation):
    pages = [
        reverse("dashboard:inbox"),
        reverse("dashboard:ticket", args=[conversation.pk]),
        reverse("dashboard:contacts"),
        reverse("dashboard:contact", args=[conversation.contact_id]),
        reverse("dashboard:journeys"),
        reverse("dashboard:comparison"),
    ]
    for url in pages:
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_the_login_page_and_the_admin_have_the_policy(client, superuser_client, tenant):
    assert_strict(client.get(reverse("admin:login")))
    channel = ChannelFactory(tenant=tenant)
    for url in (reverse("admin:index"), reverse("admin:crm_channel_change", args=[channel.pk])):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_the_api_docs_inline_code_carries_the_nonce_of_the_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    directives = assert_strict(response)
    nonce = next(s for s in directives["script-src"] if s.startswith("'nonce-"))[len("'nonce-") : -1]
    body = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline, "the page has its inline script and style"
    assert all(f'nonce="{nonce}"' in attributes for _, attributes in inline)
    assert f"'nonce-{nonce}'" in directives["style-src"]


def test_the_api_has_the_policy_too(api):
    assert_strict(api.get("/api/v1/contacts/"))


INLINE = {
    "an inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "an inline style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "an inline script without a nonce": re.compile(r"<script(?![^>]*\b(src|nonce)=)[^>]*>", re.IGNORECASE),
    "a style element without a nonce": re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE),
}


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_need_no_inline_code(template):
    text = template.read_text()
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.name} has {', '.join(found)}"
