"""The ticket page: images as thumbnails, other files as links, the reply form's file input."""

from __future__ import annotations

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from crm.models import Attachment, Message
from crm.services.attachments import IncomingAttachment
from crm.services.messages import InboundMessage, message_ingest
from tests.factories import ChannelFactory, TenantFactory

from .files import PDF, PNG


def ingest_with_files(tenant, channel, sender="camille@example.com"):
    files = (
        IncomingAttachment(filename="parcel.png", content_type="image/png", content=PNG),
        IncomingAttachment(filename="invoice.pdf", content_type="application/pdf", content=PDF),
    )
    inbound = InboundMessage(channel=channel, from_address=sender, text="Photos attached", attachments=files)
    return message_ingest(tenant=tenant, inbound=inbound).message


def test_the_ticket_page_shows_images_inline_and_other_files_as_links(staff_client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp")
    message = ingest_with_files(tenant, channel)
    png, pdf = message.attachments.order_by("pk")
    page = staff_client.get(reverse("dashboard:ticket", args=[message.ticket_id])).content.decode()
    assert f'<img src="{reverse("dashboard:attachment", args=[png.pk])}"' in page
    assert f'href="{reverse("dashboard:attachment", args=[pdf.pk])}" download>invoice.pdf</a>' in page
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "10" in page
    served = staff_client.get(reverse("dashboard:attachment", args=[png.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_the_files_need_a_login_and_the_tenants_membership(client, staff_client, tenant):
    other = TenantFactory()
    message = ingest_with_files(other, ChannelFactory(tenant=other, kind="email"))
    url = reverse("dashboard:attachment", args=[message.attachments.first().pk])
    assert staff_client.get(url).status_code == 404  # staff of another tenant
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_a_reply_from_the_page_sends_the_uploaded_files(staff_client, tenant, django_capture_on_commit_callbacks):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp", address="support@shop.example")
    ticket = ingest_with_files(tenant, channel).ticket
    upload = SimpleUploadedFile("label.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("dashboard:ticket", args=[ticket.pk]), {"text": "The return label.", "attachments": [upload]}
        )
    assert response.status_code == 302
    reply = Message.objects.get(direction="outbound")
    assert [a.filename for a in reply.attachments.all()] == ["label.pdf"]
    assert mail.outbox[0].attachments == [("label.pdf", PDF, "application/pdf")]


@override_settings(ATTACHMENTS_MAX_BYTES=50)
def test_a_file_over_the_limit_is_refused_on_the_page(staff_client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="email", provider="smtp")
    ticket = message_ingest(
        tenant=tenant, inbound=InboundMessage(channel=channel, from_address="c@example.com", text="hi")
    ).message.ticket
    upload = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    response = staff_client.post(reverse("dashboard:ticket", args=[ticket.pk]), {"text": "x", "attachments": [upload]})
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not Message.objects.filter(direction="outbound").exists() and not Attachment.objects.exists()
