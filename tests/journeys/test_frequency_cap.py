"""Frequency cap on marketing sends: one cap across channels (omnichannel) or one per channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import Message
from crm.services.events import event_record
from journeys.engine import journeys_tick
from journeys.models import StepRun
from journeys.services.journeys import journey_create

from .conftest import T0, set_mode

PAIRS = [("email", "sms"), ("email", "whatsapp"), ("sms", "whatsapp"), ("email", "sms")]


def _four_journeys(tenant, channels):
    for n, (first, second) in enumerate(PAIRS):
        journey_create(
            tenant=tenant,
            name=f"campaign {n}",
            trigger_event=f"campaign.{n}",
            steps=[
                {
                    "type": "send",
                    "channel": channels[first].pk,
                    "purpose": "marketing",
                    "subject": "News",
                    "template": f"Offer {n} on {first}",
                },
                {"type": "wait", "seconds": 3600},
                {
                    "type": "send",
                    "channel": channels[second].pk,
                    "purpose": "marketing",
                    "subject": "News",
                    "template": f"Offer {n} on {second}",
                },
            ],
        )


def _run_day(tenant, channels, customer):
    tenant.frequency_cap_max_sends, tenant.frequency_cap_days = 2, 7
    tenant.save()
    _four_journeys(tenant, channels)
    for n in range(4):
        event_record(tenant=tenant, contact=customer, name=f"campaign.{n}", occurred_at=T0 + timedelta(hours=2 * n))
    journeys_tick(until=T0 + timedelta(days=1))
    return list(Message.objects.filter(contact=customer).values_list("channel__kind", flat=True))


@pytest.mark.django_db
def test_omnichannel_caps_across_all_channels(tenant, channels, customer):
    set_mode(tenant, "omnichannel")
    sent = _run_day(tenant, channels, customer)
    assert len(sent) == 2
    assert StepRun.objects.filter(outcome="suppressed", reason="capped").count() == 6


@pytest.mark.django_db
def test_multichannel_caps_each_channel_separately(tenant, channels, customer):
    set_mode(tenant, "multichannel")
    sent = _run_day(tenant, channels, customer)
    assert sorted(sent) == ["email", "email", "sms", "sms", "whatsapp", "whatsapp"]
    capped = StepRun.objects.filter(outcome="suppressed", reason="capped")
    assert sorted(capped.values_list("channel_kind", flat=True)) == ["email", "sms"]


@pytest.mark.django_db
def test_transactional_sends_are_not_capped_and_opted_out_channels_are_skipped(tenant, channels, customer):
    from crm.services.contacts import consent_set

    tenant.frequency_cap_max_sends, tenant.frequency_cap_days = 1, 7
    tenant.save()
    consent_set(tenant=tenant, contact=customer, channel_kind="sms", status="opted_out", source="api", at=T0)
    journey = journey_create(
        tenant=tenant,
        name="orders",
        trigger_event="order.placed",
        steps=[
            {
                "type": "send",
                "channel": channels["email"].pk,
                "purpose": "transactional",
                "subject": "Order",
                "template": "Thanks",
            },
            {
                "type": "send",
                "channel": channels["email"].pk,
                "purpose": "transactional",
                "subject": "Order",
                "template": "Shipped",
            },
            {"type": "send", "channel": channels["sms"].pk, "purpose": "transactional", "template": "Shipped"},
            {"type": "send", "channel": channels["push"].pk, "purpose": "transactional", "template": "Shipped"},
        ],
    )
    event_record(tenant=tenant, contact=customer, name="order.placed", occurred_at=T0)
    journeys_tick(until=T0)
    runs = {r.step_index: (r.outcome, r.reason) for r in StepRun.objects.filter(journey=journey)}
    assert runs == {0: ("sent", ""), 1: ("sent", ""), 2: ("suppressed", "opted_out"), 3: ("suppressed", "no_identity")}
