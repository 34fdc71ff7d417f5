"""Attachments through the API: base64 in on inbound messages and replies, the same shape out on
every message, the file behind ``url`` only with the tenant's API key."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from crm.models import Attachment, Message
from crm.services.contacts import contact_create
from tests.factories import ChannelFactory, TenantFactory

from .files import ELF, PDF, PNG, TEXT, b64, item

INBOUND = "/api/v1/messages/inbound/"


def inbound(api, channel, attachments=None, **fields):
    body = {"channel": channel.pk, "from": "+33612345678", "text": "Here is the receipt", **fields}
    if attachments is not None:
        body["attachments"] = attachments
    return api.post(INBOUND, body, format="json")


def counts():
    return Message.objects.count(), Attachment.objects.count()


def test_inbound_base64_is_stored_and_served_back_with_the_message(api, channels, stored_names):
    response = inbound(api, channels["sms"], [item(PDF, "receipt.pdf", "application/pdf"), item(PNG, "photo.png")])
    assert response.status_code == 201, response.json()
    message = api.get(f"/api/v1/messages/{response.json()['id']}/").json()
    pdf, photo = message["attachments"]
    assert set(pdf) >= {"id", "filename", "content_type", "size", "url"}
    assert (pdf["filename"], pdf["content_type"], pdf["size"]) == ("receipt.pdf", "application/pdf", len(PDF))
    assert (photo["filename"], photo["content_type"]) == ("photo.png", "image/png")
    assert stored_names(Attachment.objects.get(pk=pdf["id"]))

    download = api.get(pdf["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="receipt.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"
    image = api.get(photo["url"])
    assert image["Content-Disposition"].startswith("inline") and image["Content-Type"] == "image/png"


def test_a_client_sending_no_attachments_works_as_before(api, channels):
    response = inbound(api, channels["sms"])
    assert response.status_code == 201
    assert set(response.json()) == {"id", "ticket", "contact", "duplicate"}
    assert api.get(f"/api/v1/messages/{response.json()['id']}/").json()["attachments"] == []


def test_the_url_needs_the_api_authentication(api, client, channels):
    inbound(api, channels["sms"], [item(PDF, "receipt.pdf")])
    url = api.get(f"/api/v1/messages/{Message.objects.get().pk}/").json()["attachments"][0]["url"]
    assert client.get(url).status_code == 401


def test_another_tenants_attachment_is_404(api, channels, make_api):
    inbound(api, channels["sms"], [item(PDF, "receipt.pdf")])
    attachment = Attachment.objects.get()
    other = make_api(TenantFactory(), "admin")
    assert other.get(f"/api/v1/attachments/{attachment.pk}/content/").status_code == 404
    assert other.get("/api/v1/attachments/999999/content/").status_code == 404


@pytest.mark.parametrize(
    "content,declared,sniffed",
    [
        (PNG, "application/pdf", "image/png"),  # a lying type
        (PDF, "image/png", "application/pdf"),
        (TEXT, "image/jpeg", "text/plain"),  # text claiming to be an image is not shown as one
        (TEXT, "text/csv", "text/csv"),  # a text type declared for text is kept
        (b"\x01\x02\x03\xff\xfe", "image/gif", "application/octet-stream"),
    ],
)
def test_the_content_type_is_sniffed_from_the_bytes(api, channels, content, declared, sniffed):
    assert inbound(api, channels["sms"], [item(content, "f", declared)]).status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.declared_type) == (sniffed, declared)
    assert attachment.is_image == (sniffed == "image/png")


@override_settings(ATTACHMENTS_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_413_and_nothing_is_stored(api, channels):
    response = inbound(api, channels["sms"], [item(b"a" * 1001, "big.txt", "text/plain")])
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert counts() == (0, 0)


@override_settings(ATTACHMENTS_MAX_TOTAL_BYTES=1500)
def test_files_over_the_total_limit_are_413(api, channels):
    response = inbound(api, channels["sms"], [item(b"a" * 1000, "a.txt"), item(b"b" * 1000, "b.txt")])
    assert response.status_code == 413 and counts() == (0, 0)


@override_settings(ATTACHMENTS_MAX_REQUEST_BYTES=4096, MAX_REQUEST_BODY_BYTES=2048)
def test_a_body_over_the_attachments_request_limit_is_413(api, channels):
    assert inbound(api, channels["sms"], [item(b"a" * 4000, "a.txt")]).status_code == 413
    assert counts() == (0, 0)


@pytest.mark.parametrize("bad", ["not base64!", "QUJD=", "QUJDRA=x", "\u00e9t\u00e9"])
def test_malformed_base64_is_400_naming_the_field_and_nothing_is_stored(api, channels, bad):
    response = inbound(
        api, channels["sms"], [item(PDF), {"filename": "x", "content_type": "text/plain", "content_base64": bad}]
    )
    assert response.status_code == 400
    assert "attachments[1].content_base64" in response.json()["errors"]
    assert counts() == (0, 0)


def test_base64_with_line_breaks_is_accepted(api, channels):
    wrapped = "\n".join(b64(PDF)[i : i + 76] for i in range(0, len(b64(PDF)), 76))
    response = inbound(api, channels["sms"], [{"filename": "r.pdf", "content_base64": wrapped}])
    assert response.status_code == 201 and Attachment.objects.get().size == len(PDF)


@override_settings(ATTACHMENTS_MAX_PER_MESSAGE=2)
def test_too_many_files_is_400(api, channels):
    response = inbound(api, channels["sms"], [item(PDF)] * 3)
    assert response.status_code == 400 and "attachments" in response.json()["errors"]
    assert counts() == (0, 0)


def test_an_executable_is_refused_whatever_its_declared_type(api, channels):
    response = inbound(api, channels["sms"], [item(ELF, "invoice.pdf", "application/pdf")])
    assert response.status_code == 400
    assert "attachments[0]" in response.json()["errors"]
    assert counts() == (0, 0)


def test_a_redelivered_message_stores_its_files_once(api, channels):
    first = inbound(api, channels["sms"], [item(PDF, "r.pdf")], external_id="ext-1")
    again = inbound(api, channels["sms"], [item(PDF, "r.pdf")], external_id="ext-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert counts() == (1, 1)


def test_ticket_messages_and_timeline_list_attachments_in_constant_queries(
    api, tenant, channels, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(path):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path).status_code == 200
        return len(queries)

    inbound(api, channels["sms"], [item(PDF, "0.pdf")])
    message = Message.objects.get()
    paths = [
        f"/api/v1/tickets/{message.ticket_id}/messages/",
        f"/api/v1/tickets/{message.ticket_id}/context/",
        f"/api/v1/contacts/{message.contact_id}/timeline/",
    ]
    few = [cost(p) for p in paths]
    for i in range(1, 12):
        inbound(api, channels["sms"], [item(PDF, f"{i}.pdf"), item(PNG, f"{i}.png")])
    assert [cost(p) for p in paths] == few
    listed = api.get(paths[0]).json()["results"]
    assert len(listed) == 12 and all(m["attachments"] for m in listed)
    timeline = api.get(paths[2]).json()["results"]
    assert all(len(e["attachments"]) in (1, 2) for e in timeline)


# -- replies ---------------------------------------------------------------------------------
@pytest.fixture
def email_ticket(tenant, api):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp", address="support@shop.example")
    contact_create(tenant=tenant, name="Camille", identities=[{"kind": "email", "address": "camille@example.com"}])
    body = {"channel": channel.pk, "from": "camille@example.com", "text": "Where is my order?", "subject": "Order"}
    response = api.post(INBOUND, body, format="json")
    return Message.objects.get(pk=response.json()["id"]).ticket


def test_a_reply_with_an_attachment_on_email_sends_a_mime_part(api, email_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/tickets/{email_ticket.pk}/reply/",
            {"text": "Your invoice is attached.", "attachments": [item(PDF, "invoice.pdf", "application/pdf")]},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert [a["filename"] for a in response.json()["attachments"]] == ["invoice.pdf"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments == [("invoice.pdf", PDF, "application/pdf")]
    assert Message.objects.get(pk=response.json()["id"]).status == "sent"


def test_a_reply_with_attachments_on_sms_without_mms_is_refused(api, tenant):
    sms = ChannelFactory(
        tenant=tenant, kind="sms", provider="twilio", address="+33757000001", credentials={"auth_token": "t"}
    )
    contact_create(tenant=tenant, name="Léo", identities=[{"kind": "phone", "address": "+33612345678"}])
    ticket = Message.objects.get(pk=inbound(api, sms).json()["id"]).ticket
    before = counts()
    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/reply/",
        {"text": "See the photo", "channel": sms.pk, "attachments": [item(PNG, "p.png")]},
        format="json",
    )
    assert response.status_code == 400
    assert "cannot send attachments" in response.json()["detail"]
    assert "attachments" in response.json()["errors"]
    assert counts() == before
    plain = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Text only", "channel": sms.pk}, format="json")
    assert plain.status_code == 202


def test_the_idempotency_key_tells_replies_with_other_files_apart(api, email_ticket):
    url = f"/api/v1/tickets/{email_ticket.pk}/reply/"
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = api.post(url, {"text": "Invoice", "attachments": [item(PDF, "a.pdf")]}, format="json", **headers)
    again = api.post(url, {"text": "Invoice", "attachments": [item(PDF, "a.pdf")]}, format="json", **headers)
    other = api.post(url, {"text": "Invoice", "attachments": [item(PNG, "a.png")]}, format="json", **headers)
    assert (first.status_code, again.status_code, other.status_code) == (202, 202, 422)
    assert again.json()["id"] == first.json()["id"]
    assert Attachment.objects.filter(message__direction="outbound").count() == 1
