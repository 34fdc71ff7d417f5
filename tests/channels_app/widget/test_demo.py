"""The demo prints the widget's snippet; the simulator's customers chat through the widget."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from crm.models import Channel, Message
from insights.management.commands import demo
from simulator.services import simulation_run

pytestmark = pytest.mark.django_db


def test_the_demo_prints_the_snippet_of_its_widget_channel(monkeypatch):
    monkeypatch.setattr(demo, "CUSTOMERS", 4)
    monkeypatch.setattr(demo, "DAYS", 2)
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO())
    channel = Channel.objects.get(tenant__slug="demo", kind="webchat")
    assert channel.provider == "widget"
    snippet = f'<script src="http://localhost:8000/webhooks/{channel.webhook_token}/widget.js" async></script>'
    assert snippet in out.getvalue()


def test_simulated_customers_write_through_the_widget(tenant):
    start = datetime(2026, 3, 2, tzinfo=UTC)
    simulation_run(tenant=tenant, customers=30, days=10, seed=7, start=start)
    chats = Message.objects.filter(tenant=tenant, channel__kind="webchat")
    assert chats.filter(direction="inbound").exists()
    assert all("widget" in m.metadata for m in chats.filter(direction="inbound"))
    visitors = set(chats.filter(direction="inbound").values_list("from_address", flat=True))
    replies = chats.filter(direction="outbound")  # in the outbox: the test's transaction never commits
    assert replies.exists() and set(replies.values_list("to_address", flat=True)) <= visitors
