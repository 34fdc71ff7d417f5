"""A ``widget`` channel of the omnichannel tenant and a client speaking to its endpoints from
an allowed origin, as the embedded script does."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from channels_app.widget.visitors import email_hash
from crm.services.tenants import channel_create

ORIGIN = "https://shop.example"
SECRET = "widget-secret"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle windows and presence of earlier tests
    yield
    cache.clear()


@pytest.fixture
def widget_channel(tenant):
    return channel_create(
        tenant=tenant,
        kind="webchat",
        name="Site chat",
        provider="widget",
        credentials={"allowed_origins": f"{ORIGIN}, https://www.shop.example", "secret": SECRET},
    )


def proof(email: str, secret: str = SECRET) -> dict:
    return {"email": email, "email_hash": email_hash(secret, email)}


class WidgetClient:
    """Calls ``widget/<name>`` like the script: JSON POSTs with an ``Origin``."""

    def __init__(self, channel, origin: str = ORIGIN, address: str = "203.0.113.7"):
        self.client = Client(HTTP_ORIGIN=origin, REMOTE_ADDR=address)
        self.base = f"/webhooks/{channel.webhook_token}/widget/"
        self.token = None
        self.identity: dict = {}

    def post(self, name: str, body: dict | bytes | None = None, **extra):
        if not isinstance(body, bytes):
            body = json.dumps({"token": self.token, **self.identity, **(body or {})}).encode()
        return self.client.post(self.base + name, body, content_type="application/json", **extra)

    def start(self, **identity):
        self.identity = identity
        response = self.post("session")
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        return response.json()

    def say(self, text: str, client_id: str = "", **extra):
        import secrets

        return self.post("messages", {"text": text, "client_id": client_id or secrets.token_hex(8), **extra})


@pytest.fixture
def visitor(widget_channel):
    client = WidgetClient(widget_channel)
    client.start()
    return client


@pytest.fixture
def make_visitor(widget_channel):
    return lambda **kwargs: WidgetClient(widget_channel, **kwargs)
