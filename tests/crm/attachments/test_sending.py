"""Files sent with replies: Twilio MMS and Meta through a signed, expiring URL for that one file."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import signing

from channels_app.adapters import meta_whatsapp, twilio_sms
from crm.models import Attachment, Message, MessageStatus
from crm.services.attachments import attachment_signed_url
from crm.services.contacts import contact_create
from tests.factories import ChannelFactory

from .files import PDF, PNG, item


class FakeTwilio:
    calls: list = []

    def __init__(self, sid, token):
        self.messages = self

    def create(self, **kwargs):
        FakeTwilio.calls.append(kwargs)
        return type("Sent", (), {"sid": "MMsent1"})()


def ticket_on(api, tenant, channel):
    contact_create(tenant=tenant, name="Léo", identities=[{"kind": "phone", "address": "+33612345678"}])
    body = {"channel": channel.pk, "from": "+33612345678", "text": "Hello"}
    return Message.objects.get(pk=api.post("/api/v1/messages/inbound/", body, format="json").json()["id"]).ticket


def reply(api, ticket, channel, files, capture):
    with capture(execute=True):
        return api.post(
            f"/api/v1/tickets/{ticket.pk}/reply/",
            {"text": "Here it is", "channel": channel.pk, "attachments": files},
            format="json",
        )


def path_of(url: str) -> str:
    return url.split("localhost:8000", 1)[-1] if "localhost:8000" in url else url


def test_twilio_mms_sends_signed_urls_that_serve_the_file_without_authentication(
    api, tenant, client, monkeypatch, django_capture_on_commit_callbacks
):
    FakeTwilio.calls = []
    monkeypatch.setattr(twilio_sms, "Client", FakeTwilio)
    sms = ChannelFactory(
        tenant=tenant,
        kind="sms",
        provider="twilio",
        address="+15005550006",
        credentials={"account_sid": "AC1", "auth_token": "t", "mms": "true"},
    )
    ticket = ticket_on(api, tenant, sms)
    response = reply(api, ticket, sms, [item(PNG, "p.png"), item(PDF, "r.pdf")], django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.json()
    assert Message.objects.get(pk=response.json()["id"]).status == MessageStatus.SENT
    urls = FakeTwilio.calls[0]["media_url"]
    assert len(urls) == 2 and all("/attachments/signed/" in u for u in urls)
    served = client.get(path_of(urls[1]))  # no authentication: the provider fetches it
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert served["X-Content-Type-Options"] == "nosniff"


def test_a_signed_url_expires_and_cannot_be_forged(client, api, tenant, channels):
    body = {"channel": channels["sms"].pk, "from": "+33612345678", "text": "x", "attachments": [item(PDF)]}
    api.post("/api/v1/messages/inbound/", body, format="json")
    attachment = Attachment.objects.get()
    url = path_of(attachment_signed_url(attachment))
    assert client.get(url).status_code == 200
    token = url.rstrip("/").rsplit("/", 1)[-1]
    forged = signing.dumps([attachment.pk + 1, attachment.tenant_id], salt="another.salt")
    assert client.get(url.replace(token, forged)).status_code == 404
    assert client.get(url.replace(token, token[:-2] + "xx")).status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=signing.time.time() + 10 * 24 * 3600):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("file,kind", [(item(PNG, "p.png", "image/png"), "image"), (item(PDF, "r.pdf"), "document")])
def test_meta_sends_the_file_as_a_link_with_the_text_as_caption(
    api, tenant, monkeypatch, django_capture_on_commit_callbacks, file, kind
):
    sent = []

    class Answer:
        status_code, headers, text = 200, {"Content-Type": "application/json"}, ""

        def json(self):
            return {"messages": [{"id": "wamid.OUT"}]}

    monkeypatch.setattr(
        meta_whatsapp.requests, "post", lambda url, json, headers, timeout: sent.append(json) or Answer()
    )
    meta = ChannelFactory(
        tenant=tenant,
        kind="whatsapp",
        provider="meta",
        credentials={"access_token": "EAAG", "phone_number_id": "1065", "app_secret": "x"},
    )
    ticket = ticket_on(api, tenant, meta)
    assert reply(api, ticket, meta, [file], django_capture_on_commit_callbacks).status_code == 202
    body = sent[0]
    assert body["type"] == kind and "text" not in body
    assert body[kind]["caption"] == "Here it is" and "/attachments/signed/" in body[kind]["link"]
    assert (body[kind].get("filename") == "r.pdf") == (kind == "document")
    too_many = reply(api, ticket, meta, [file, file], django_capture_on_commit_callbacks)
    assert too_many.status_code == 400 and "at most 1" in str(too_many.json()["errors"])
