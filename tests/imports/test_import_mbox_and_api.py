"""An mbox archive threaded by Message-ID and References; the API for managers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Message, Ticket
from insights.metrics.replay import replay_metrics

from .test_import_csv import ROWS, csv_file

pytestmark = pytest.mark.django_db
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def mail(frm, to, date, msgid, subject, body, refs=""):
    headers = f"From: {frm}\nTo: {to}\nDate: {date}\nMessage-ID: {msgid}\nSubject: {subject}\n"
    if refs:
        headers += f"In-Reply-To: {refs.split()[-1]}\nReferences: {refs}\n"
    return f"From {frm.split('<')[-1].rstrip('>')} Mon Mar  2 09:00:00 2026\n{headers}\n{body}\n\n"


MBOX = (
    mail(
        "Ana <ana@example.com>", "support@shop.example", "Mon, 02 Mar 2026 09:00:00 +0000", "<a1@x>", "Order", "Where?"
    )
    + mail(
        "support@shop.example",
        "ana@example.com",
        "Mon, 02 Mar 2026 10:00:00 +0000",
        "<s1@shop>",
        "Re: Order",
        "On its way\n\nOn Mon, Ana wrote:\n> Where?",
        refs="<a1@x>",
    )
    # 5 days later, past the episode gap, but a reply in the same thread: joins its ticket
    + mail(
        "ana@example.com",
        "support@shop.example",
        "Sat, 07 Mar 2026 10:00:00 +0000",
        "<a2@x>",
        "Re: Order",
        "Thanks",
        refs="<a1@x> <s1@shop>",
    )
    + mail("bob@example.com", "support@shop.example", "Tue, 03 Mar 2026 09:00:00 +0000", "<b1@x>", "Hi", "Hello")
)


def test_an_mbox_archive_is_threaded_by_its_references(tenant, channels, write, run_import):
    channels["email"].address = "support@shop.example"
    channels["email"].save()
    imp = run_import(tenant, write("h.mbox", MBOX), fmt="mbox")
    assert (imp.status, imp.rows, imp.imported, imp.errors) == ("completed", 4, 4, [])
    reply = Message.objects.get(external_id="<s1@shop>")
    assert reply.direction == "outbound" and reply.text == "On its way" and reply.to_address == "ana@example.com"
    ana_ticket = Message.objects.get(external_id="<a1@x>").ticket
    assert Message.objects.get(external_id="<a2@x>").ticket == ana_ticket
    assert ana_ticket.first_response_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert Ticket.objects.count() == 2
    r = replay_metrics(tenant=tenant, start=START, end=END)
    assert r["multichannel"]["episodes"] == 3 and r["multichannel"]["channel_switches"] == 0
    again = run_import(tenant, write("h.mbox", MBOX), fmt="mbox")
    assert (again.imported, again.skipped) == (0, 4)


def test_managers_import_through_the_api_and_poll_it(tenant, channels, manager_api, api):
    upload = SimpleUploadedFile("history.csv", csv_file().encode(), content_type="text/csv")
    assert api.post("/api/v1/imports/", {"file": upload}, format="multipart").status_code == 403
    upload = SimpleUploadedFile("history.csv", csv_file().encode(), content_type="text/csv")
    response = manager_api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert {k: body[k] for k in ("status", "rows", "imported", "skipped", "errors")} == {
        "status": "completed",
        "rows": 6,
        "imported": 6,
        "skipped": 0,
        "errors": [],
    }
    polled = manager_api.get(f"/api/v1/imports/{body['id']}/")
    assert polled.status_code == 200 and polled.json()["imported"] == 6
    assert api.get(f"/api/v1/imports/{body['id']}/").status_code == 403


def test_an_upload_without_a_file_is_a_400(manager_api, channels):
    response = manager_api.post("/api/v1/imports/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_another_tenants_import_is_a_404(tenant, channels, manager_api, make_api, write, run_import):
    from tests.factories import ChannelFactory, TenantFactory

    other = TenantFactory()
    ChannelFactory(tenant=other, kind="email")
    ChannelFactory(tenant=other, kind="sms")
    imp = run_import(other, write("o.csv", csv_file(ROWS[:1])))
    assert manager_api.get(f"/api/v1/imports/{imp.pk}/").status_code == 404


def test_the_command_imports_and_resumes(tenant, channels, write, capsys):
    import json

    from django.core.management import call_command

    path = write("h.csv", csv_file())
    call_command("import_history", tenant.slug, path)
    first = json.loads(capsys.readouterr().out)
    call_command("import_history", tenant.slug, path)
    second = json.loads(capsys.readouterr().out)
    assert (first["imported"], second["imported"], second["skipped"]) == (6, 0, 6)
