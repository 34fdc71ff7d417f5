"""On PostgreSQL, inbound ingestion runs as one round trip (``crm.services.ingest_sql``); the
ORM form (``crm.services.ingest_orm``) stays the reference. Both are stores of one interface
(``IngestStore``): the same generated traffic, ingested once through each, must leave the same
contacts, tickets, ticket channels, links and messages, under every policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from crm.models import Channel, Contact, Message, Ticket, TicketChannel, TicketLink
from crm.policies import effective_mode
from crm.services import ingest_sql, messages
from crm.services.contacts import contact_create
from crm.services.ingest_orm import OrmIngestStore
from crm.services.ingest_sql import PostgresIngestStore
from crm.services.messages import InboundMessage, message_ingest
from crm.services.tenants import api_key_create
from crm.services.tickets import ticket_update
from tests.factories import ChannelFactory, TenantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KINDS = ("sms", "whatsapp", "email")
#: customers 0-2 are known with a phone and an e-mail; 3-5 are new senders
CUSTOMERS = 6


def _address(kind: str, n: int) -> str:
    return f"customer{n}@example.com" if kind == "email" else f"+3361234567{n}"


message_steps = st.tuples(
    st.just("message"),
    st.integers(0, CUSTOMERS - 1),  # sender
    st.sampled_from(KINDS),
    st.integers(-30, 600),  # minutes after the start: out of order on purpose
    st.sampled_from(["", "Ana", "Bo"]),  # profile name
    st.integers(0, 3),  # external id (a repeat is a redelivery); 0: none
)
status_steps = st.tuples(st.just("status"), st.integers(0, 10), st.sampled_from(["pending", "resolved", "closed"]))
traffic = st.lists(st.one_of(message_steps, message_steps, status_steps), min_size=1, max_size=14)


def _replay(mode: str, steps: list, *, form: type, monkeypatch) -> dict:
    """``steps`` ingested through the store ``form``; the store chosen is checked to be it."""
    chosen = []

    def choose(*, tenant, inbound):
        store = choose_as_usual(tenant=tenant, inbound=inbound)
        if form is OrmIngestStore:  # the reference takes every message
            store = OrmIngestStore(thread_ticket_id=inbound.thread_ticket_id)
        chosen.append(type(store))
        return store

    choose_as_usual = messages.ingest_store_choose
    monkeypatch.setattr(messages, "ingest_store_choose", choose)
    tenant = TenantFactory(mode=mode)
    channels = {kind: ChannelFactory(tenant=tenant, kind=kind) for kind in KINDS}
    for n in range(3):
        contact_create(
            tenant=tenant,
            name="" if n == 0 else f"Known {n}",
            identities=[
                {"kind": "phone", "address": _address("sms", n)},
                {"kind": "email", "address": _address("email", n)},
            ],
        )
    outcomes = []
    for step in steps:
        if step[0] == "status":
            tickets = list(Ticket.objects.filter(tenant=tenant).order_by("pk"))
            if tickets:
                ticket = tickets[step[1] % len(tickets)]
                try:
                    ticket_update(ticket=ticket, status=step[2])
                except Exception as exc:  # a refused transition is refused the same way by both
                    outcomes.append(type(exc).__name__)
            continue
        _, n, kind, minutes, name, external = step
        result = message_ingest(
            tenant=tenant,
            inbound=InboundMessage(
                channel=channels[kind],
                from_address=_address(kind, n),
                text=f"message {len(outcomes)}",
                subject="Order" if kind == "email" else "",
                external_id=f"{kind}-{n}-{external}" if external else None,
                occurred_at=START + timedelta(minutes=minutes),
                profile_name=name,
            ),
        )
        outcomes.append(result.duplicate)
    monkeypatch.undo()
    assert set(chosen) <= {form}
    return _snapshot(tenant, outcomes)


def _snapshot(tenant, outcomes: list) -> dict:
    """What both forms must agree on, ids replaced by creation order."""
    contacts = {
        pk: i for i, pk in enumerate(Contact.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
    }
    tickets = list(Ticket.objects.filter(tenant=tenant).select_related("channel").order_by("pk"))
    order = {t.pk: i for i, t in enumerate(tickets)}
    return {
        "outcomes": outcomes,
        "contacts": [
            (c.name, sorted(c.identities.values_list("kind", "address")))
            for c in Contact.objects.filter(tenant=tenant).order_by("pk")
        ],
        "tickets": [
            (
                contacts[t.contact_id],
                t.channel.kind,
                t.status,
                t.mode,
                t.subject,
                t.created_at,
                t.last_message_at,
                t.resolved_at is not None,
                sorted(
                    TicketChannel.objects.filter(ticket=t).values_list("channel__kind", flat=True),
                ),
            )
            for t in tickets
        ],
        "links": sorted(
            (order[a], order[b])
            for a, b in TicketLink.objects.filter(tenant=tenant).values_list("from_ticket_id", "to_ticket_id")
        ),
        "messages": [
            (
                contacts[m.contact_id],
                order[m.ticket_id],
                m.channel.kind,
                m.from_address,
                m.text,
                m.subject,
                m.occurred_at,
                m.external_id,
                m.status,
                m.purpose,
                m.direction,
            )
            for m in Message.objects.filter(tenant=tenant).select_related("channel").order_by("pk")
        ],
    }


@pytest.mark.parametrize("mode", ["multichannel", "crosschannel", "omnichannel"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=traffic)
def test_single_statement_ingestion_stores_what_the_orm_form_stores(mode, steps, monkeypatch):
    reference = _replay(mode, steps, form=OrmIngestStore, monkeypatch=monkeypatch)
    fast = _replay(mode, steps, form=PostgresIngestStore, monkeypatch=monkeypatch)
    assert fast == reference


def test_the_single_statement_form_is_the_one_used_on_postgresql(tenant):
    """One statement batch for the message (the ORM form takes five or more); inside the test's
    transaction it is wrapped in a savepoint, as inside a webhook's."""
    sms = ChannelFactory(tenant=tenant, kind="sms")
    inbound = InboundMessage(channel=sms, from_address="+33612345670", text="hello", external_id="SM1")
    assert isinstance(messages.ingest_store_choose(tenant=tenant, inbound=inbound), PostgresIngestStore)
    with CaptureQueriesContext(connection) as queries:
        result = message_ingest(tenant=tenant, inbound=inbound)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and "FOR UPDATE" in statements[0]
    message = Message.objects.get(pk=result.message.pk)
    assert (message.contact_id, message.ticket_id) == (result.message.contact_id, result.message.ticket_id)
    assert message.ticket.channels.get() == sms
    # the stored message answers as the ORM loads it
    fields = [f.attname for f in Message._meta.concrete_fields]
    assert {f: getattr(result.message, f) for f in fields} == {f: getattr(message, f) for f in fields}
    # a redelivery is refused by the constraint and answered from the stored message
    again = message_ingest(tenant=tenant, inbound=inbound)
    assert again.duplicate and again.message.pk == message.pk
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_an_experiment_tenant_takes_the_orm_form(tenant):
    """The policy depends on the contact's cohort, known only once the contact is: the ORM form."""
    tenant.experiment_holdout_percent = 50
    tenant.save()
    sms = ChannelFactory(tenant=tenant, kind="sms")
    inbound = InboundMessage(channel=sms, from_address="+33612345670", text="hi")
    assert isinstance(messages.ingest_store_choose(tenant=tenant, inbound=inbound), OrmIngestStore)
    result = message_ingest(tenant=tenant, inbound=inbound)
    ticket = Ticket.objects.get(pk=result.message.ticket_id)
    assert ticket.mode == effective_mode(tenant, result.message.contact_id)


@pytest.mark.django_db(transaction=True)
def test_a_sender_created_between_the_lock_and_the_store_is_locked_on_a_second_pass(monkeypatch):
    """The lock finds no contact; before the statement after it runs, another request commits
    the sender's contact. The statement must not write for a contact it does not hold (it
    would race that request's own messages, even deadlock with them): it writes nothing, and
    the next pass locks the contact and stores the message there."""
    import threading

    tenant = TenantFactory(mode="omnichannel")
    sms = ChannelFactory(tenant=tenant, kind="sms")
    passes = []

    def create_elsewhere():
        try:
            contact_create(tenant=tenant, name="Winner", identities=[{"kind": "phone", "address": "+33612345670"}])
        finally:
            connection.close()

    class Interleaved:
        """Runs the batch's two statements apart, the contact committed in between (first pass)."""

        def __init__(self, cursor):
            self.cursor = cursor

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.cursor.close()

        def execute(self, sql, params):
            lock, _, store = sql.partition(";\n")
            self.cursor.execute("BEGIN")  # one transaction, as the batch is
            self.cursor.execute(lock, params)
            self.results = [self.cursor.fetchone()]
            if not passes:
                thread = threading.Thread(target=create_elsewhere)
                thread.start()
                thread.join()
            passes.append(sql)
            self.cursor.execute(store, params)
            self.results.append(self.cursor.fetchone())
            self.cursor.execute("COMMIT")

        def nextset(self):
            self.results.pop(0)

        def fetchone(self):
            return self.results[0]

    real_cursor = connection.cursor
    monkeypatch.setattr(ingest_sql.connection, "cursor", lambda: Interleaved(real_cursor()))
    result = message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=sms, from_address="+33612345670", text="hello")
    )
    monkeypatch.undo()
    winner = Contact.objects.get(tenant=tenant)
    assert len(passes) == 2
    assert result.message.contact_id == winner.pk and winner.name == "Winner"
    assert Message.objects.filter(tenant=tenant).count() == 1
    assert Ticket.objects.filter(tenant=tenant, contact=winner).count() == 1


def _channel_reads(queries) -> int:
    return sum("FROM crm_channel WHERE id" in q["sql"] for q in queries.captured_queries)


def test_a_pushed_messages_channel_is_read_once_then_checked_by_the_statement(tenant, api):
    """The inbound API reads a channel the first time a process sees it; after that the
    ingestion statement checks it (tenant, enabled, kind) and a change is answered as if the
    channel had been read: disabled is 400, another kind is read again, nothing else is written."""
    from crm.selectors import tenants as channel_selectors

    channel_selectors._kinds.clear()
    sms = ChannelFactory(tenant=tenant, kind="sms")

    def post(sender="+33612345670", **extra):
        body = {"channel": sms.pk, "from": sender, "text": "hello", **extra}
        with CaptureQueriesContext(connection) as queries:
            response = api.post("/api/v1/messages/inbound/", body, format="json")
        return response, _channel_reads(queries)

    assert [(r.status_code, reads) for r, reads in (post(), post())] == [(201, 1), (201, 0)]

    Channel.objects.filter(pk=sms.pk).update(enabled=False)
    refused, reads = post()
    assert (refused.status_code, refused.json()["errors"]["channel"], reads) == (400, ["channel disabled"], 1)

    Channel.objects.filter(pk=sms.pk).update(enabled=True, kind="whatsapp")  # still a phone channel
    moved, reads = post(external_id="wa-1")
    assert (moved.status_code, reads) == (201, 1)
    assert Message.objects.get(pk=moved.json()["id"]).channel_id == sms.pk

    Channel.objects.filter(pk=sms.pk).update(kind="email")
    invalid, reads = post()  # a phone number is no e-mail address
    assert (invalid.status_code, invalid.json()["errors"]["from"], reads) == (400, ["invalid e-mail"], 1)
    assert Message.objects.filter(tenant=tenant).count() == 3


def test_a_remembered_channel_is_no_reference_for_another_tenant(tenant, api):
    from crm.selectors import tenants as channel_selectors

    channel_selectors._kinds.clear()
    sms = ChannelFactory(tenant=tenant, kind="sms")
    body = {"channel": sms.pk, "from": "+33612345670", "text": "hello"}
    assert api.post("/api/v1/messages/inbound/", body, format="json").status_code == 201
    other = TenantFactory()
    _, raw = api_key_create(tenant=other, role="agent")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    refused = client.post("/api/v1/messages/inbound/", body, format="json")
    assert (refused.status_code, refused.json()["errors"]["channel"]) == (400, ["unknown channel"])
    assert Message.objects.filter(channel=sms).count() == 1
