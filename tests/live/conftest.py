"""Agents logged in with a session, and websocket clients of the real ASGI application."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.dashboards.conftest import conversation, make_staff, other_tenant, staff, staff_client  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """A fresh in-memory channel layer per test (its queues belong to the test's event loop)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(cookie: str | None = None, origin: str = "http://testserver") -> WebsocketCommunicator:
    from config.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)
