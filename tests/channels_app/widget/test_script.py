"""The script a page embeds: served from the channel's webhook URL, with its texts."""

from __future__ import annotations

import json

import pytest

from channels_app.adapters.base import webhook_url
from crm.errors import ApplicationError
from crm.services.tenants import channel_create

pytestmark = pytest.mark.django_db


def test_the_snippet_url_serves_the_script_with_both_languages(client, widget_channel):
    response = client.get(webhook_url(widget_channel).removeprefix("http://localhost:8000") + "widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    source = response.content.decode()
    config = json.loads(source.split("var CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["texts"]["en"]["send"] == "Send"
    assert config["texts"]["fr"]["send"] == "Envoyer"
    assert config["channel"] == widget_channel.webhook_token[:12]
    assert len(source) < 20_000  # a few KB, no dependency


@pytest.mark.parametrize("change", [{"enabled": False}, {"provider": "console"}])
def test_no_script_for_a_disabled_or_other_channel(client, widget_channel, change):
    type(widget_channel).objects.filter(pk=widget_channel.pk).update(**change)
    response = client.get(f"/webhooks/{widget_channel.webhook_token}/widget.js")
    assert response.status_code == 404
    assert client.get("/webhooks/no-such-token/widget.js").status_code == 404


def test_a_widget_channel_needs_its_allowed_origins_and_is_for_web_chat_only(tenant):
    with pytest.raises(ApplicationError) as missing:
        channel_create(tenant=tenant, kind="webchat", name="chat", provider="widget", credentials={})
    assert "allowed_origins" in str(missing.value.extra)
    with pytest.raises(ApplicationError) as kind:
        channel_create(
            tenant=tenant, kind="email", name="mail", provider="widget", credentials={"allowed_origins": "https://a.b"}
        )
    assert "provider" in kind.value.extra
