"""Story 3: an e-mail offer, then an SMS reminder unless the customer bought in the meantime."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.models import Message
from crm.services.events import event_record
from journeys.engine import journeys_tick
from journeys.models import Enrollment, Offer, StepRun

from .conftest import T0, set_mode


def _story(tenant, channels, customer, install):
    journey = install("cart-abandonment")
    event_record(
        tenant=tenant, contact=customer, name="cart.abandoned", properties={"product": "red shoes"}, occurred_at=T0
    )
    journeys_tick(until=T0)
    event_record(
        tenant=tenant,
        contact=customer,
        name="purchase",
        channel=channels["store"],
        occurred_at=T0 + timedelta(minutes=30),
    )
    journeys_tick(until=T0 + timedelta(hours=2))
    return journey


@pytest.mark.django_db
def test_omnichannel_suppresses_the_sms_after_a_store_purchase(tenant, channels, customer, install):
    set_mode(tenant, "omnichannel")
    journey = _story(tenant, channels, customer, install)

    email = Message.objects.get(contact=customer, channel=channels["email"])
    offer = Offer.objects.get(contact=customer)
    assert offer.code in email.text and "red shoes" in email.text and offer.issued_kind == "email"
    assert not Message.objects.filter(contact=customer, channel=channels["sms"]).exists()
    sms_run = StepRun.objects.get(journey=journey, step_index=2)
    assert (sms_run.outcome, sms_run.reason, sms_run.channel_kind) == ("suppressed", "goal_reached", "sms")
    assert sms_run.previous_channel_kind == "email" and sms_run.purpose == "marketing"
    enrollment = Enrollment.objects.get(journey=journey)
    assert enrollment.status == "converted" and enrollment.converted_at == T0 + timedelta(minutes=30)


@pytest.mark.django_db
def test_multichannel_sends_the_sms_anyway(tenant, channels, customer, install):
    set_mode(tenant, "multichannel")
    journey = _story(tenant, channels, customer, install)

    sms = Message.objects.get(contact=customer, channel=channels["sms"])
    assert sms.occurred_at == T0 + timedelta(hours=2) and sms.purpose == "marketing"
    assert "Alice" in sms.text and "red shoes" in sms.text
    sms_run = StepRun.objects.get(journey=journey, step_index=2)
    assert (sms_run.outcome, sms_run.message_id, sms_run.mode) == ("sent", sms.pk, "multichannel")
    # the customer did convert: the journey records it, even though the SMS channel never knew
    assert Enrollment.objects.get(journey=journey).status == "converted"


@pytest.mark.django_db
def test_a_contact_active_in_a_journey_is_not_enrolled_twice(tenant, channels, customer, install):
    journey = install("cart-abandonment")
    for minute in (0, 5):
        event_record(tenant=tenant, contact=customer, name="cart.abandoned", occurred_at=T0 + timedelta(minutes=minute))
    assert Enrollment.objects.filter(journey=journey).count() == 1
    journeys_tick(until=T0 + timedelta(days=1))
    event_record(tenant=tenant, contact=customer, name="cart.abandoned", occurred_at=T0 + timedelta(days=2))
    assert Enrollment.objects.filter(journey=journey).count() == 2


@pytest.mark.django_db
def test_switching_mode_mid_journey_keeps_the_enrolment_mode(tenant, channels, customer, install):
    set_mode(tenant, "multichannel")
    journey = install("cart-abandonment")
    event_record(tenant=tenant, contact=customer, name="cart.abandoned", occurred_at=T0)
    set_mode(tenant, "omnichannel")
    event_record(
        tenant=tenant,
        contact=customer,
        name="purchase",
        channel=channels["store"],
        occurred_at=T0 + timedelta(minutes=30),
    )
    journeys_tick(until=T0 + timedelta(hours=3))
    assert StepRun.objects.get(journey=journey, step_index=2).outcome == "sent"
    assert Enrollment.objects.get(journey=journey).mode == "multichannel"
