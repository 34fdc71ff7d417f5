"""Story 4: booking a delivery slot gives a confirmation at once, a reminder the day before
(moved out of quiet hours) and a WhatsApp notice on the day, at exact times."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from crm.models import Message
from crm.services.events import event_record
from journeys.engine import journeys_tick
from journeys.models import StepRun

from .conftest import T0


@pytest.mark.django_db
def test_delivery_slot_messages_go_out_at_exact_times(tenant, channels, customer, install):
    tenant.quiet_hours_start, tenant.quiet_hours_end = time(21, 0), time(8, 0)
    tenant.save()
    journey = install("delivery-slot")
    # booked on the website on 10 June at 10:00 (Paris) for 12 June at 14:00
    event_record(
        tenant=tenant,
        contact=customer,
        name="delivery.slot_booked",
        channel=channels["webchat"],
        properties={"slot_at": "2026-06-12T14:00:00+02:00", "tracking_url": "https://t.example/42"},
        occurred_at=T0,
    )
    journeys_tick(until=T0)
    assert Message.objects.get(channel=channels["email"]).occurred_at == T0  # at once, 10:00 Paris

    journeys_tick(until=datetime(2026, 6, 13, tzinfo=UTC))
    sms = Message.objects.get(channel=channels["sms"])
    whatsapp = Message.objects.get(channel=channels["whatsapp"])
    # the day before at 07:00 Paris is within quiet hours: moved to 08:00 Paris (06:00 UTC)
    assert sms.occurred_at == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
    assert sms.purpose == "transactional" and "2026-06-12T14:00" in sms.text
    # on the day at 09:00 Paris, with the tracking link
    assert whatsapp.occurred_at == datetime(2026, 6, 12, 7, 0, tzinfo=UTC)
    assert "https://t.example/42" in whatsapp.text
    deferred = StepRun.objects.get(journey=journey, outcome="deferred")
    assert (deferred.reason, deferred.at) == ("quiet_hours", datetime(2026, 6, 11, 5, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_quiet_hours_follow_the_contact_time_zone(tenant, channels, customer, install):
    tenant.quiet_hours_start, tenant.quiet_hours_end = time(21, 0), time(8, 0)
    tenant.save()
    customer.timezone = "America/New_York"
    customer.save()
    install("delivery-slot")
    # 08:00 UTC is 04:00 in New York: the confirmation waits until 08:00 New York (12:00 UTC)
    event_record(
        tenant=tenant,
        contact=customer,
        name="delivery.slot_booked",
        properties={"slot_at": "2026-06-12T14:00:00-04:00"},
        occurred_at=T0,
    )
    journeys_tick(until=T0)
    assert not Message.objects.exists()
    journeys_tick(until=datetime(2026, 6, 10, 12, 0, tzinfo=UTC))
    assert Message.objects.get(channel=channels["email"]).occurred_at == datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
