"""Erasure reaches what the other apps keep about the contact: kept webhook payloads (matched
by the contact's addresses as providers write them, and their messages' provider ids), merge
records, journey contexts and offer descriptions; and it is in the audit log with its author."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from channels_app.models import PayloadState, WebhookPayload
from crm.models import AuditEntry, ContactMerge
from crm.services.audit import Actor
from crm.services.contacts import contact_create, contact_erase, contact_merge
from crm.services.messages import InboundMessage, message_ingest
from journeys.models import Enrollment, Journey, Offer
from tests.factories import ChannelFactory, TenantFactory

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parents[2] / "channels_app" / "payloads"
PHONE = "+33612345678"  # the sender of the stored Twilio and Meta payloads


def keep(tenant, channel, body: bytes, *, path="/webhooks/tok/", error="unknown event"):
    return WebhookPayload.objects.create(
        tenant=tenant,
        channel=channel,
        provider=channel.provider,
        state=PayloadState.UNKNOWN,
        error=error,
        path=path,
        headers={"Content-Type": "application/json", "X-Trace": "t-1"},
        body_b64=base64.b64encode(body).decode(),
    )


def issue(contact, channel, description):
    return Offer.objects.create(
        tenant=contact.tenant,
        contact=contact,
        code=f"GIFT{contact.pk}",
        issued_channel=channel,
        issued_kind=channel.kind,
        description=description,
        issued_at=timezone.now(),
    )


@pytest.fixture
def camille(tenant):
    return contact_create(
        tenant=tenant,
        name="Camille Martin",
        identities=[{"kind": "phone", "address": PHONE}, {"kind": "email", "address": "camille@example.com"}],
    )


def test_kept_payloads_naming_the_contact_are_scrubbed(tenant, camille):
    sms = ChannelFactory(tenant=tenant, kind="sms", provider="twilio")
    whatsapp = ChannelFactory(tenant=tenant, kind="whatsapp", provider="meta")
    email = ChannelFactory(tenant=tenant, kind="email")
    message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=sms, from_address=PHONE, text="hello", external_id="SMcamille0001"),
    )
    twilio_form = urlencode(json.loads((PAYLOADS / "twilio/inbound_sms.json").read_text())).encode()
    assert b"From=%2B33612345678" in twilio_form
    mine = [
        keep(tenant, sms, twilio_form, path="/webhooks/tok/?From=%2B33612345678"),
        keep(tenant, whatsapp, (PAYLOADS / "meta/messages_batch.json").read_bytes()),  # wa_id 33612345678
        keep(tenant, email, b'{"from": "Camille <CAMILLE@Example.com>", "text": "hi"}'),
        keep(tenant, sms, b'{"external_id": "SMcamille0001", "status": "weird"}', error="unmatched 'SMcamille0001'"),
    ]
    others = [
        keep(tenant, sms, b"From=%2B336123456789&Body=longer+number"),  # a longer number, not hers
        keep(tenant, email, b'{"from": "xcamille@example.com.fr"}'),
        keep(TenantFactory(), ChannelFactory(kind="sms", provider="twilio"), twilio_form),  # another tenant's
    ]
    contact_erase(tenant=tenant, contact=camille, by="test")
    for payload in mine:
        payload.refresh_from_db()
        assert (payload.body_b64, payload.headers) == ("", {})
        assert "?" not in payload.path and "camille" not in payload.error.lower()
    assert mine[3].error == "unmatched '[erased]'"
    for payload in others:
        body = payload.body_b64
        payload.refresh_from_db()
        assert payload.body_b64 == body and payload.headers


def test_merge_records_journey_contexts_and_offers_of_the_contact_are_scrubbed(tenant, camille):
    channel = ChannelFactory(tenant=tenant, kind="email")
    duplicate = contact_create(tenant=tenant, name="Camille M. (old account)")
    contact_merge(tenant=tenant, contact=camille, other=duplicate, by="test")
    journey = Journey.objects.create(tenant=tenant, name="Birthday", trigger_event="birthday", steps=[])
    now = timezone.now()
    active = Enrollment.objects.create(
        tenant=tenant,
        journey=journey,
        contact=camille,
        mode="omnichannel",
        enrolled_at=now,
        next_run_at=now + timedelta(days=1),
        context={"first_name": "Camille", "email": "camille@example.com"},
    )
    offer = issue(camille, channel, "Happy birthday Camille")
    kept = issue(contact_create(tenant=tenant, name="Léo"), channel, "Happy birthday Léo")
    contact_erase(tenant=tenant, contact=camille, by="test")
    assert list(ContactMerge.objects.filter(kept=camille).values_list("merged_name", flat=True)) == [""]
    active.refresh_from_db()
    assert active.context == {} and (active.status, active.exit_reason, active.next_run_at) == (
        "exited",
        "contact_erased",
        None,
    )
    offer.refresh_from_db()
    kept.refresh_from_db()
    assert offer.description == "" and kept.description == "Happy birthday Léo"


def test_the_erasure_is_audited_with_its_author(tenant, camille):
    by = Actor(name="staff:dpo", role="manager", address="192.0.2.1")
    contact_erase(tenant=tenant, contact=camille, by=by)
    entry = AuditEntry.objects.get(action="contact.erase")
    assert (entry.tenant_id, entry.target_type, entry.target_id) == (tenant.pk, "crm.contact", camille.pk)
    assert (entry.actor, entry.actor_role, entry.address) == ("staff:dpo", "manager", "192.0.2.1")
    assert "Camille" not in entry.summary
