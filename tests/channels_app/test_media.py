"""Provider media: Twilio's MediaUrlN fetched with the account's basic auth, Meta's media ids
through the Graph API, e-mail parts; the message is stored at once, the fetch fails softly."""

from __future__ import annotations

import base64
import hashlib
from email.message import EmailMessage

import pytest
from django.test import override_settings

from crm.models import Attachment, AttachmentStatus, Message
from crm.services.attachments import attachment_read
from tests.crm.attachments.files import ELF, PDF, PNG
from tests.factories import ChannelFactory

from .helpers import payload
from .media_server import MediaServer
from .test_email import raw_post
from .test_meta import APP_SECRET, meta_post
from .test_twilio import TOKEN, twilio_post

SID = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"


@pytest.fixture
def server():
    with MediaServer() as running:
        yield running


@pytest.fixture
def twilio_whatsapp(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="twilio",
        address="+33757000001",
        credentials={"account_sid": SID, "auth_token": TOKEN},
    )


def twilio_media(client, channel, url, content_type="image/jpeg", captured=None):
    data = {**payload("twilio/inbound_whatsapp_media.json"), "MediaUrl0": url, "MediaContentType0": content_type}
    if captured is None:
        return twilio_post(client, channel, data)
    with captured(execute=True):
        return twilio_post(client, channel, data)


def test_twilio_media_url_is_fetched_with_basic_auth_and_sniffed(
    client, twilio_whatsapp, server, django_capture_on_commit_callbacks
):
    url = server.file("/Media/ME1", PNG, "image/jpeg")  # Twilio says JPEG; the bytes are a PNG
    response = twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    attachment = Message.objects.get().attachments.get()
    assert attachment.status == AttachmentStatus.STORED, attachment.error
    assert (attachment.content_type, attachment.declared_type, attachment.size) == ("image/png", "image/jpeg", len(PNG))
    assert attachment_read(attachment) == PNG
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert server.requests[0]["headers"]["Authorization"] == expected


def test_twilio_media_that_keeps_failing_is_retried_then_recorded_as_failed(
    client, twilio_whatsapp, server, django_capture_on_commit_callbacks, settings
):
    settings.ATTACHMENTS_FETCH_RETRIES = 2
    url = server.script("/Media/ME2", (503, "text/plain", b"busy"))
    assert twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks).status_code == 200
    message = Message.objects.get()  # the message is stored whatever becomes of its media
    attachment = message.attachments.get()
    assert attachment.status == AttachmentStatus.FAILED
    assert "HTTP 503" in attachment.error and "3 attempts" in attachment.error
    assert len(server.requests) == 3


def test_twilio_media_recovers_on_a_retry(client, twilio_whatsapp, server, django_capture_on_commit_callbacks):
    url = server.script("/Media/ME3", (500, "text/plain", b"oops"), (200, "application/pdf", PDF))
    twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get()
    assert (attachment.status, attachment.content_type) == (AttachmentStatus.STORED, "application/pdf")


@override_settings(ATTACHMENTS_MAX_BYTES=100)
def test_twilio_media_over_the_size_limit_is_failed_at_once(
    client, twilio_whatsapp, server, django_capture_on_commit_callbacks
):
    url = server.file("/Media/ME4", PDF * 10, "application/pdf")
    twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED and "larger than 100 bytes" in attachment.error
    assert len(server.requests) == 1 and not attachment.storage_name


def test_media_of_a_refused_type_is_recorded_as_failed(
    client, twilio_whatsapp, server, django_capture_on_commit_callbacks
):
    url = server.file("/Media/ME5", ELF, "image/jpeg")
    twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED and "not accepted" in attachment.error
    assert Message.objects.get().text == "Here is the damaged parcel"


def test_with_the_guard_on_a_media_url_on_loopback_is_refused_and_never_called(
    client, twilio_whatsapp, server, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    url = server.file("/Media/ME6", PNG, "image/png")
    twilio_media(client, twilio_whatsapp, url, captured=django_capture_on_commit_callbacks)
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED
    assert "refused" in attachment.error and "127.0.0.1" in attachment.error
    assert server.requests == []
    assert Message.objects.count() == 1


# -- Meta ------------------------------------------------------------------------------------
@pytest.fixture
def meta_whatsapp(tenant):
    return ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="meta",
        address="+33757000001",
        credentials={"app_secret": APP_SECRET, "access_token": "EAAG-token", "phone_number_id": "1065"},
    )


def meta_document(media_id="4490709327384033", filename="facture.pdf", mime="application/pdf"):
    data = payload("meta/messages_batch.json")
    message = data["entry"][0]["changes"][0]["value"]["messages"][1]
    message.pop("image")
    message.update(type="document", document={"id": media_id, "filename": filename, "mime_type": mime})
    return data


def test_meta_media_id_is_read_through_the_graph_api_then_fetched(
    client, meta_whatsapp, server, django_capture_on_commit_callbacks, settings
):
    settings.META_GRAPH_BASE_URL = server.base + "/v21.0"
    file_url = server.file("/whatsapp_business/attachments/?mid=4490709327384033", PDF, "application/pdf")
    server.json(
        "/v21.0/4490709327384033",
        {
            "messaging_product": "whatsapp",
            "url": file_url,
            "mime_type": "application/pdf",
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "file_size": len(PDF),
            "id": "4490709327384033",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert meta_post(client, meta_whatsapp, meta_document()).status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.STORED, attachment.error
    assert (attachment.filename, attachment.content_type) == ("facture.pdf", "application/pdf")
    assert attachment_read(attachment) == PDF
    assert [r["path"] for r in server.requests] == [
        "/v21.0/4490709327384033",
        "/whatsapp_business/attachments/?mid=4490709327384033",
    ]
    assert all(r["headers"]["Authorization"] == "Bearer EAAG-token" for r in server.requests)


def test_meta_media_whose_bytes_do_not_match_the_sha256_is_not_stored(
    client, meta_whatsapp, server, django_capture_on_commit_callbacks, settings
):
    settings.META_GRAPH_BASE_URL = server.base + "/v21.0"
    settings.ATTACHMENTS_FETCH_RETRIES = 1
    file_url = server.file("/file/1", PDF, "application/pdf")
    server.json("/v21.0/77", {"url": file_url, "mime_type": "application/pdf", "sha256": "0" * 64, "id": "77"})
    with django_capture_on_commit_callbacks(execute=True):
        meta_post(client, meta_whatsapp, meta_document(media_id="77"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED and "SHA-256" in attachment.error


# -- e-mail ----------------------------------------------------------------------------------
def test_email_parts_of_a_raw_mime_mail_are_stored(tenant, client):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp", credentials={"secret": "s3cret"})
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "Camille <camille@example.com>", "support@shop.example", "Broken"
    mail["Message-ID"] = "<parts-1@mail.example.com>"
    mail.set_content("The photo and the invoice are attached.")
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="parcel.png")
    mail.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="invoice.pdf")
    assert raw_post(client, channel, mail.as_bytes(), secret="s3cret").status_code == 200
    message = Message.objects.get()
    assert message.text == "The photo and the invoice are attached."
    parts = [(a.filename, a.content_type, a.status, attachment_read(a)) for a in message.attachments.order_by("pk")]
    assert parts == [("parcel.png", "image/png", "stored", PNG), ("invoice.pdf", "application/pdf", "stored", PDF)]


@override_settings(ATTACHMENTS_MAX_BYTES=100)
def test_an_email_part_over_the_limit_is_recorded_failed_and_the_mail_kept(tenant, client):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp", credentials={"secret": "s3cret"})
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "camille@example.com", "support@shop.example", "Big"
    mail.set_content("A large scan.")
    mail.add_attachment(PDF * 10, maintype="application", subtype="pdf", filename="scan.pdf")
    assert raw_post(client, channel, mail.as_bytes(), secret="s3cret").status_code == 200
    attachment = Message.objects.get().attachments.get()
    assert attachment.status == AttachmentStatus.FAILED and "larger than 100 bytes" in attachment.error
