"""History import of CSV and JSON Lines: figures replayed as computed by hand, idempotence,
bad rows reported with their lines, resumption, no journey or send triggered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crm.models import Contact, Event, Identity, Message, MessageStatus, Ticket
from imports.models import HistoryImport, ImportedRow
from imports.service import import_prepare, import_run
from insights.metrics.replay import replay_metrics

pytestmark = pytest.mark.django_db
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
HEADER = "type,occurred_at,channel_kind,direction,purpose,from,to,contact_email,contact_phone,subject,text,external_id,event_name,properties,amount,currency\n"
# Ana writes by e-mail then SMS within the hour (one episode, a switch), an agent answers;
# Bob writes twice by e-mail 100 hours apart (two episodes, gap 72 h); Ana buys.
ROWS = [
    "message,2026-03-02T09:00:00Z,email,inbound,,ana@example.com,,,+33612345678,Order,Where is it?,m1,,,,",
    "message,2026-03-02T09:30:00Z,sms,inbound,,06 12 34 56 78,,,,,Hello?,s1,,,,",
    "message,2026-03-02T10:00:00Z,email,outbound,conversation,support@shop.example,ana@example.com,,,Re: Order,On its way,r1,,,,",
    "message,2026-03-03T09:00:00Z,email,inbound,,bob@example.com,,,,Hi,First,b1,,,,",
    "message,2026-03-07T13:00:00Z,email,inbound,,BOB@example.com,,,,Hi again,Second,b2,,,,",
    'event,2026-03-04T12:00:00Z,,,,,,ana@example.com,,,,,purchase,"{""sku"": ""A1""}",49.90,EUR',
]


def csv_file(rows=ROWS) -> str:
    return HEADER + "\n".join(rows) + "\n"


def test_a_csv_history_replays_as_computed_by_hand(tenant, channels, write, run_import):
    imp = run_import(tenant, write("h.csv", csv_file()))
    assert (imp.status, imp.rows, imp.imported, imp.skipped, imp.errors) == ("completed", 6, 6, 0, [])
    # Ana's SMS number and e-mail are one contact (contact_phone on her first row linked it)
    assert Contact.objects.filter(tenant=tenant).count() == 2
    ana = Identity.objects.get(tenant=tenant, address="ana@example.com").contact
    assert set(ana.identities.values_list("kind", "address")) == {
        ("email", "ana@example.com"),
        ("phone", "+33612345678"),
    }
    assert Event.objects.get(tenant=tenant, name="purchase").properties == {
        "sku": "A1",
        "amount": 49.9,
        "currency": "EUR",
    }
    r = replay_metrics(tenant=tenant, start=START, end=END)
    assert {m: r[m]["episodes"] for m in r} == {"multichannel": 3, "crosschannel": 3, "omnichannel": 3}
    assert {m: r[m]["threads"] for m in r} == {"multichannel": 4, "crosschannel": 4, "omnichannel": 3}
    assert {m: r[m]["context_losses"] for m in r} == {"multichannel": 1, "crosschannel": 0, "omnichannel": 0}
    # threaded under the tenant's policy (omnichannel): Ana's e-mail, SMS and the reply on one ticket
    ana_tickets = Ticket.objects.filter(tenant=tenant, contact=ana)
    assert ana_tickets.count() == 1 and ana_tickets.get().first_response_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert Ticket.objects.filter(tenant=tenant).count() == 3
    reply = Message.objects.get(tenant=tenant, external_id="r1")
    assert reply.status == MessageStatus.SENT and reply.metadata["imported"] == imp.pk


def test_jsonl_gives_the_same_history(tenant, channels, write, run_import):
    lines = [
        {
            "type": "message",
            "occurred_at": "2026-03-02T09:00:00Z",
            "channel_kind": "email",
            "direction": "inbound",
            "from": "ana@example.com",
            "contact_phone": "+33612345678",
            "text": "Where is it?",
            "external_id": "m1",
        },
        {
            "type": "message",
            "occurred_at": "2026-03-02T09:30:00+00:00",
            "channel_kind": "sms",
            "direction": "inbound",
            "from": "+33612345678",
            "text": "Hello?",
            "external_id": "s1",
        },
        {
            "type": "event",
            "occurred_at": "2026-03-04T12:00:00Z",
            "contact_email": "ana@example.com",
            "event_name": "purchase",
            "properties": {"sku": "A1"},
            "amount": 10,
            "currency": "eur",
        },
    ]
    imp = run_import(tenant, write("h.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n"), fmt="jsonl")
    assert (imp.rows, imp.imported, imp.errors) == (3, 3, [])
    r = replay_metrics(tenant=tenant, start=START, end=END)
    assert r["multichannel"]["channel_switches"] == 1 and r["omnichannel"]["threads"] == 1
    assert Event.objects.get(tenant=tenant).properties["currency"] == "EUR"


def test_the_same_file_twice_imports_nothing_new(tenant, channels, write, run_import):
    path = write("h.csv", csv_file())
    run_import(tenant, path)
    counts = (Message.objects.count(), Event.objects.count(), Contact.objects.count(), Ticket.objects.count())
    second = run_import(tenant, path)
    assert (second.status, second.rows, second.imported, second.skipped) == ("completed", 6, 0, 6)
    assert (Message.objects.count(), Event.objects.count(), Contact.objects.count(), Ticket.objects.count()) == counts
    # the same rows in another file (another order, one more row): only the new row
    third = run_import(tenant, write("h2.csv", csv_file([*reversed(ROWS), ROWS[0].replace("m1", "m9")])))
    assert (third.imported, third.skipped) == (1, 6)


def test_bad_rows_are_reported_with_their_lines_and_good_rows_kept(tenant, channels, write, run_import):
    rows = [
        ROWS[0],
        "message,2026-03-02,email,inbound,,x@example.com,,,,,no zone,x1,,,,",  # line 3
        "message,2026-03-02T09:00:00Z,fax,inbound,,x@example.com,,,,,?,x2,,,,",  # line 4
        "message,2026-03-02T09:00:00Z,email,sideways,,x@example.com,,,,,?,x3,,,,",  # line 5
        "message,2026-03-02T09:00:00Z,email,inbound,,not an address,,,,,?,x4,,,,",  # line 6
        "event,2026-03-04T12:00:00Z,,,,,,ana@example.com,,,,,purchase,{not json},1,EUR",  # line 7
        "event,2026-03-04T12:00:00Z,,,,,,ana@example.com,,,,,purchase,,-3,EUR",  # line 8
        "event,2026-03-04T12:00:00Z,,,,,,,,,,,purchase,,,",  # line 9: no contact
        "message,2026-03-02T09:00:00Z,push,inbound,,abc,,,,,?,x5,,,,",  # line 10: no push channel? there is one
        "too,few",  # line 11
        ROWS[3],
    ]
    imp = run_import(tenant, write("bad.csv", csv_file(rows)))
    assert imp.status == "completed"
    assert [(e["line"], e["field"]) for e in imp.errors] == [
        (3, "occurred_at"),
        (4, "channel_kind"),
        (5, "direction"),
        (6, "from"),
        (7, "properties"),
        (8, "amount"),
        (9, "contact_email"),
        (11, ""),
    ]
    assert imp.imported == 3 and imp.rows == 11
    assert set(Message.objects.values_list("external_id", flat=True)) == {"m1", "b1", "x5"}


def test_a_tenant_without_a_channel_of_the_kind_gets_an_error_on_that_row(tenant, write, run_import):
    from tests.factories import ChannelFactory

    ChannelFactory(tenant=tenant, kind="email")
    imp = run_import(tenant, write("h.csv", csv_file(ROWS[:2])))
    assert [(e["line"], e["field"], e["message"]) for e in imp.errors] == [
        (3, "channel_kind", "the tenant has no sms channel")
    ]


def test_an_interrupted_import_resumes_after_its_last_committed_batch(tenant, channels, write, monkeypatch):
    from imports import service

    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    rows = [
        f"message,2026-03-0{1 + i // 3}T0{i % 3}:00:00Z,email,inbound,,c{i}@example.com,,,,,t,id{i},,,,"
        for i in range(7)
    ]
    path = write("h.csv", csv_file(rows))
    imp = import_prepare(tenant=tenant, path=path, fmt="csv", by="test")
    batches = []

    def stop_after_two(current):
        batches.append(current.last_line)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_run(history_import=imp, path=path, on_batch=stop_after_two)
    imp.refresh_from_db()
    assert (imp.status, imp.imported, imp.last_line) == ("failed", 4, 5)
    assert Message.objects.count() == 4
    again = import_prepare(tenant=tenant, path=path, fmt="csv", by="test")
    assert again.pk == imp.pk
    done = import_run(history_import=again, path=path)
    assert (done.status, done.rows, done.imported, done.skipped) == ("completed", 7, 7, 0)
    assert Message.objects.count() == 7 and ImportedRow.objects.count() == 7


def test_a_failing_batch_writes_nothing_of_itself(tenant, channels, write, monkeypatch):
    from imports import service, writer

    monkeypatch.setattr(service, "BATCH_ROWS", 2)
    calls = {"n": 0}
    real = writer.BatchWriter._event

    def broken(self, r, contact_id):
        calls["n"] += 1
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer.BatchWriter, "_event", broken)
    path = write("h.csv", csv_file([ROWS[0], ROWS[5], ROWS[3]]))
    imp = import_prepare(tenant=tenant, path=path, fmt="csv", by="test")
    with pytest.raises(RuntimeError):
        import_run(history_import=imp, path=path)
    assert Message.objects.count() == 0 and Contact.objects.count() == 0
    monkeypatch.setattr(writer.BatchWriter, "_event", real)
    done = import_run(history_import=HistoryImport.objects.get(pk=imp.pk), path=path)
    assert (done.imported, Message.objects.count(), Event.objects.count()) == (3, 2, 1)


def test_a_dry_run_checks_everything_and_writes_nothing(tenant, channels, write, run_import):
    imp = run_import(
        tenant, write("h.csv", csv_file([*ROWS, "message,bad,email,inbound,,a@b.c,,,,,,,,,,"])), dry_run=True
    )
    assert (imp.dry_run, imp.rows, imp.imported, len(imp.errors)) == (True, 7, 6, 1)
    assert Message.objects.count() == Event.objects.count() == Contact.objects.count() == 0


def test_known_identities_are_linked_to_their_contact(tenant, channels, write, run_import):
    from tests.factories import ContactFactory, IdentityFactory

    known = IdentityFactory(contact=ContactFactory(tenant=tenant), tenant=tenant, address="bob@example.com").contact
    run_import(tenant, write("h.csv", csv_file(ROWS[3:5])))
    assert set(Message.objects.values_list("contact_id", flat=True)) == {known.pk}
    assert Contact.objects.count() == 1
