"""The PostgreSQL form of the delivery store: what its statements return, how PostgreSQL plans
them, and that they commit synchronously. ``test_delivery_store.py`` holds it equal to the ORM form."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from channels_app.models import DeliveryAttempt
from channels_app.services.delivery_sql import PostgresDeliveryStore
from channels_app.services.outbound import delivery_store, outbound_deliver
from crm.models import Channel, Message, MessageStatus
from crm.services.messages import outbound_create
from tests.factories import ChannelFactory, ContactFactory, IdentityFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

store = PostgresDeliveryStore()


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
    claimed, attempt = store.claim(message_id=message.pk, now=timezone.now())
    stored = Message.objects.get(pk=message.pk)
    fields = [f.attname for f in Message._meta.concrete_fields]
    assert {f: getattr(claimed, f) for f in fields} == {f: getattr(stored, f) for f in fields}
    assert claimed.status == "sending" and claimed.attempts == attempt.number == 1
    assert DeliveryAttempt.objects.get(pk=attempt.pk).number == 1
    channel_fields = [f.attname for f in Channel._meta.concrete_fields]
    assert {f: getattr(claimed.channel, f) for f in channel_fields} == {
        f: getattr(Channel.objects.get(pk=channel.pk), f) for f in channel_fields
    }
    assert claimed._state.adding is False
    # a second claim finds nothing to claim
    assert store.claim(message_id=message.pk, now=timezone.now()) is None


@pytest.mark.django_db(transaction=True)
def test_claim_and_record_find_the_message_by_primary_key_whatever_the_backlog(tenant):
    """Statistics taken while the outbox was empty say a queued message is rare; a backlog then
    builds (an outage of the broker). Each delivery statement must still read its one row by
    primary key, not scan the backlog through the outbox index (a cost growing with it)."""
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": "s"})
    contact = ContactFactory(tenant=tenant)
    now = timezone.now()

    def outbound(status, n):
        return Message.objects.bulk_create(
            Message(
                tenant=tenant, contact=contact, channel=channel, direction="outbound", status=status, occurred_at=now
            )
            for _ in range(n)
        )

    outbound("sent", 2000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
    backlog = outbound("queued", 500)
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        claimed, attempt = store.claim(message_id=backlog[-1].pk, now=now)
        store.record_sent(message=claimed, attempt=attempt, external_id="x-1", metadata={}, now=now)
    for sql, params in (statements[0], statements[-1]):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "message_outbox_idx" not in plan and "crm_message_pkey" in plan, plan


@pytest.mark.django_db
def test_only_an_outbound_message_can_wait_in_the_outbox(tenant):
    channel = ChannelFactory(tenant=tenant, kind="sms")
    contact = ContactFactory(tenant=tenant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            tenant=tenant,
            contact=contact,
            channel=channel,
            direction="inbound",
            status="queued",
            occurred_at=timezone.now(),
        )


def test_the_delivery_statements_are_planned_once_per_connection(tenant):
    """Past the connection's prepare threshold, the claim and the record run as prepared
    statements (PostgreSQL reuses their plan) and still give their results."""
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": "s"})
    contact = ContactFactory(tenant=tenant)
    now = timezone.now()
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold") or 0
    messages = Message.objects.bulk_create(
        Message(tenant=tenant, contact=contact, channel=channel, direction="outbound", status="queued", occurred_at=now)
        for _ in range(threshold + 2)
    )
    for i, message in enumerate(messages):
        claimed, attempt = store.claim(message_id=message.pk, now=now)
        waiting = store.record_sent(message=claimed, attempt=attempt, external_id=f"x-{i}", metadata={"n": i}, now=now)
        assert waiting is False
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql IS FALSE")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("WITH claimed AS" in sql for sql in prepared) and any("WITH sent AS" in sql for sql in prepared)
    sent = Message.objects.filter(pk__in=[m.pk for m in messages], status="sent")
    assert sorted(sent.values_list("metadata__n", flat=True)) == list(range(threshold + 2))
    assert set(DeliveryAttempt.objects.filter(message__in=messages).values_list("outcome", flat=True)) == {"sent"}


def test_every_statement_of_a_delivery_commits_synchronously(tenant):
    """A recorded send must survive a crash of PostgreSQL: were it forgotten, the message would
    be found ``sending`` after the restart and handed to the provider again once the lease ran
    out (an SMS delivered twice; Twilio takes no idempotency key). So no statement of a delivery
    may turn ``synchronous_commit`` off, for its own transaction (``set_config(..., true)``,
    ``SET LOCAL``) or for the session. The test runs inside a transaction, so a setting made for
    the statement's transaction is still in force after it, as it would be at its commit."""
    assert isinstance(delivery_store(), PostgresDeliveryStore)
    contact = ContactFactory(tenant=tenant)
    IdentityFactory(contact=contact, kind="visitor", address="visitor-1")
    channel = ChannelFactory(tenant=tenant, kind="webchat")
    message = outbound_create(tenant=tenant, contact=contact, channel=channel, text="Your code", purpose="conversation")
    seen = []

    def watch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        with context["connection"].connection.cursor() as cursor:  # the same session, after the statement
            cursor.execute("SHOW synchronous_commit")
            seen.append((sql, cursor.fetchone()[0]))
        return result

    with connection.execute_wrapper(watch):
        assert outbound_deliver(message_id=message.pk).status == MessageStatus.SENT
    assert any("WITH claimed AS" in sql for sql, _ in seen) and any("WITH sent AS" in sql for sql, _ in seen)
    asynchronous = [sql for sql, setting in seen if setting == "off"]
    assert not asynchronous
