"""Imported messages and events never trigger journeys, sends or webhooks."""

from __future__ import annotations

import pytest

from crm.models import Event, Message, MessageStatus
from crm.services.events import event_record
from crm.signals import event_recorded, outbound_queued
from journeys.models import Enrollment, Journey, StepRun

from .test_import_csv import csv_file

pytestmark = pytest.mark.django_db


def test_an_import_enrolls_no_one_and_queues_nothing(tenant, channels, write, run_import):
    journey = Journey.objects.create(
        tenant=tenant,
        name="After purchase",
        trigger_event="purchase",
        steps=[{"type": "send", "channel": channels["email"].pk, "purpose": "marketing", "text": "Thanks"}],
    )
    sent = []

    def spy(sender, **kwargs):
        sent.append(sender)

    event_recorded.connect(spy, weak=False)
    outbound_queued.connect(spy, weak=False)
    try:
        imp = run_import(tenant, write("h.csv", csv_file()))
    finally:
        event_recorded.disconnect(spy)
        outbound_queued.disconnect(spy)
    assert imp.imported == 6
    assert sent == []
    assert Enrollment.objects.count() == 0 and StepRun.objects.count() == 0
    assert not Message.objects.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists()
    # the same event recorded live enrols the contact: the journey would have fired
    contact = Event.objects.get(name="purchase").contact
    assert event_record(tenant=tenant, contact=contact, name="purchase").enrolled == [journey.pk]
