"""Journey sends on WhatsApp: a provider template with rendered parameters (the delivery-slot
story end to end on the Meta Cloud API), a plain text outside the 24-hour window recorded as
suppressed, and steps without a template valid exactly as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.errors import ApplicationError
from crm.models import Message
from crm.services.events import event_record
from journeys.engine import journeys_tick
from journeys.models import StepRun
from journeys.steps import steps_validate
from tests.channels_app.provider_server import ProviderServer
from tests.channels_app.test_templates import META_ROUTES, WABA
from tests.factories import ChannelFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def meta(tenant, channels, settings):
    channels["whatsapp"].enabled = False  # the journey binds the first enabled WhatsApp channel
    channels["whatsapp"].save()
    with ProviderServer(META_ROUTES) as server:
        settings.META_GRAPH_BASE_URL = server.url
        channel = ChannelFactory(
            tenant=tenant,
            kind="whatsapp",
            provider="meta",
            credentials={"app_secret": "x", "access_token": "EAAG", "phone_number_id": "1065", "waba_id": WABA},
        )
        channel.server = server
        yield channel


def book(tenant, customer, channels):
    event_record(
        tenant=tenant,
        contact=customer,
        name="delivery.slot_booked",
        channel=channels["webchat"],
        properties={"slot_at": "2026-06-12T14:00:00+02:00", "tracking_url": "https://t.example/42"},
        occurred_at=T0,
    )


def test_delivery_slot_on_meta_sends_the_template_with_the_tracking_link(
    tenant, channels, customer, install, meta, django_capture_on_commit_callbacks
):
    from channels_app.services.templates import template_sync

    template_sync(channel=meta)
    install("delivery-slot")
    book(tenant, customer, channels)
    with django_capture_on_commit_callbacks(execute=True):
        journeys_tick(until=datetime(2026, 6, 13, tzinfo=UTC))
    whatsapp = Message.objects.get(channel=meta)
    assert whatsapp.occurred_at == datetime(2026, 6, 12, 7, 0, tzinfo=UTC)
    assert whatsapp.text == "Votre livraison arrive aujourd'hui. Suivez-la ici : https://t.example/42"
    assert whatsapp.status == "sent" and whatsapp.metadata["template"]["name"] == "delivery_today"
    (body,) = meta.server.posted()
    assert body["type"] == "template" and body["template"]["language"] == {"code": "fr"}
    assert body["template"]["components"][0]["parameters"] == [{"type": "text", "text": "https://t.example/42"}]
    assert Message.objects.filter(channel=channels["email"]).count() == 1
    assert Message.objects.filter(channel=channels["sms"]).count() == 1


def test_a_template_not_synced_is_recorded_as_suppressed(tenant, channels, customer, install, meta):
    journey = install("delivery-slot")
    book(tenant, customer, channels)
    journeys_tick(until=datetime(2026, 6, 13, tzinfo=UTC))
    assert not Message.objects.filter(channel=meta).exists()
    run = StepRun.objects.get(journey=journey, channel=meta)
    assert (run.outcome, run.reason) == ("suppressed", "template_unavailable")


def test_a_plain_text_outside_the_window_is_recorded_as_suppressed(tenant, customer, meta):
    from journeys.services.journeys import journey_create

    journey = journey_create(
        tenant=tenant,
        name="Plain WhatsApp",
        trigger_event="signed_up",
        steps=[{"type": "send", "channel": meta.pk, "purpose": "transactional", "template": "Welcome!"}],
    )
    event_record(tenant=tenant, contact=customer, name="signed_up", occurred_at=T0)
    journeys_tick(until=T0)
    run = StepRun.objects.get(journey=journey)
    assert (run.outcome, run.reason) == ("suppressed", "outside_window")
    assert not Message.objects.filter(channel=meta).exists()


def test_the_ready_made_step_falls_back_to_its_text_on_a_provider_without_templates(
    tenant, channels, customer, install
):
    install("delivery-slot")
    book(tenant, customer, channels)
    journeys_tick(until=datetime(2026, 6, 13, tzinfo=UTC))
    text = Message.objects.get(channel=channels["whatsapp"]).text
    assert (
        text == "Votre livraison arrive aujourd’hui. Suivez-la ici : https://t.example/42"
    )  # the tenant speaks French


def test_steps_without_a_template_are_valid_as_before_and_template_steps_are_checked(tenant, channels, meta):
    sms, whatsapp = channels["sms"].pk, meta.pk
    plain = [{"type": "send", "channel": sms, "purpose": "marketing", "template": "Hi {{ contact.name }}"}]
    assert steps_validate(tenant=tenant, steps=plain) == plain
    named = {"type": "send", "channel": whatsapp, "purpose": "transactional", "template": "delivery_today"}
    assert steps_validate(tenant=tenant, steps=[{**named, "language": "fr", "params": ["{{ event.x }}"]}])
    for bad in (
        {**named, "channel": sms, "language": "fr"},  # templates are WhatsApp's
        {**named, "language": "", "params": []},
        {**named, "language": "fr", "params": "x"},
        {**named, "language": "fr", "params": ["{% if %}"]},
        {**named, "template": "not a name!", "language": "fr"},
    ):
        with pytest.raises(ApplicationError):
            steps_validate(tenant=tenant, steps=[bad])
