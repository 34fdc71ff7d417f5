"""The PostgreSQL claim returns the message and its channel exactly as the ORM loads them."""

import pytest
from django.utils import timezone

from channels_app.services import delivery_sql
from crm.models import Channel, Message
from tests.factories import ChannelFactory, ContactFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_claim_returns_the_message_and_channel_as_stored(tenant):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": "s"})
    contact = ContactFactory(tenant=tenant)
    message = Message.objects.create(
        tenant=tenant,
        contact=contact,
        channel=channel,
        direction="outbound",
        status="queued",
        text="héllo",
        to_address="v1",
        occurred_at=timezone.now(),
        metadata={"survey": 3, "nested": {"a": [1, 2]}},
    )
    attempt_id, number, claimed = delivery_sql.claim_queued(message_id=message.pk, now=timezone.now())
    stored = Message.objects.get(pk=message.pk)
    fields = [f.attname for f in Message._meta.concrete_fields]
    assert {f: getattr(claimed, f) for f in fields} == {f: getattr(stored, f) for f in fields}
    assert claimed.status == "sending" and claimed.attempts == number == 1 and attempt_id
    channel_fields = [f.attname for f in Channel._meta.concrete_fields]
    assert {f: getattr(claimed.channel, f) for f in channel_fields} == {
        f: getattr(Channel.objects.get(pk=channel.pk), f) for f in channel_fields
    }
    assert claimed._state.adding is False
    # a second claim finds nothing to claim
    assert delivery_sql.claim_queued(message_id=message.pk, now=timezone.now()) is None
