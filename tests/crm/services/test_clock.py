"""A time from the future beyond a small clock skew is clamped to now, the given time kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.services.events import event_record
from crm.services.messages import InboundMessage, message_ingest
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_message_dated_tomorrow_is_stored_now_and_its_first_response_follows_it(tenant, channels, api):
    tomorrow = timezone.now() + timedelta(days=1)
    message = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678", text="hi", occurred_at=tomorrow),
    ).message
    assert message.occurred_at <= timezone.now()
    assert message.metadata["occurred_at_given"] == tomorrow.isoformat()
    assert message.ticket.created_at <= timezone.now()
    reply = api.post(f"/api/v1/tickets/{message.ticket_id}/reply/", {"text": "hello"}, format="json")
    assert reply.status_code in (200, 201, 202), reply.content
    message.ticket.refresh_from_db()
    assert message.ticket.first_response_at >= message.occurred_at


def test_a_small_skew_is_kept_as_given(tenant, channels):
    soon = timezone.now() + timedelta(seconds=60)
    message = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33612345679", text="hi", occurred_at=soon),
    ).message
    assert message.occurred_at == soon and "occurred_at_given" not in message.metadata


def test_an_event_from_the_future_is_clamped(tenant):
    contact = ContactFactory(tenant=tenant)
    later = timezone.now() + timedelta(hours=3)
    event = event_record(tenant=tenant, contact=contact, name="purchase", occurred_at=later).event
    assert event.occurred_at <= timezone.now()
    assert event.properties == {"occurred_at_given": later.isoformat()}
