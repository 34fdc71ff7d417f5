"""The stories of product.md that the foundation carries, through the public API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Contact, Message, Ticket
from crm.services.contacts import contact_create
from tests.crm.helpers import inbound

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


@pytest.fixture
def customer(tenant):
    return contact_create(
        tenant=tenant,
        name="Camille",
        identities=[
            {"kind": "email", "address": "Camille@Example.com"},
            {"kind": "phone", "address": "06 12 34 56 78"},
        ],
    )


def email_then_sms(api, channels):
    r1 = inbound(
        api,
        channels["email"],
        "camille@example.com",
        "my order 4411 is late",
        subject="Order 4411",
        external_id="mail-1",
        occurred_at=T0.isoformat(),
    )
    r2 = inbound(
        api,
        channels["sms"],
        "+33612345678",
        "any news?",
        external_id="SM1",
        occurred_at=(T0 + timedelta(hours=2)).isoformat(),
    )
    assert r1.status_code == 201 and r2.status_code == 201, (r1.json(), r2.json())
    return r1.json(), r2.json()


def context_texts(api, ticket_id):
    resp = api.get(f"/api/v1/tickets/{ticket_id}/context/")
    assert resp.status_code == 200
    return resp.json(), [m["text"] for m in resp.json()["messages"]]


def test_email_then_sms_omnichannel_one_ticket_email_visible(tenant, api, channels, customer):
    first, second = email_then_sms(api, channels)
    assert first["contact"] == second["contact"] == customer.pk
    assert first["ticket"] == second["ticket"]
    ctx, texts = context_texts(api, second["ticket"])
    assert ctx["mode"] == "omnichannel"
    assert texts == ["my order 4411 is late", "any news?"]
    ticket = api.get(f"/api/v1/tickets/{second['ticket']}/").json()
    assert ticket["channel"] == channels["email"].pk
    assert sorted(ticket["channels"]) == sorted([channels["email"].pk, channels["sms"].pk])


def test_email_then_sms_multichannel_separate_ticket_without_email(tenant, api, channels, customer):
    tenant.mode = "multichannel"
    tenant.save()
    first, second = email_then_sms(api, channels)
    assert first["ticket"] != second["ticket"]
    ctx, texts = context_texts(api, second["ticket"])
    assert ctx["mode"] == "multichannel"
    assert texts == ["any news?"]
    assert ctx["linked_tickets"] == []


def test_email_then_sms_crosschannel_linked_ticket_sees_email(tenant, api, channels, customer):
    tenant.mode = "crosschannel"
    tenant.save()
    first, second = email_then_sms(api, channels)
    assert first["ticket"] != second["ticket"]
    ctx, texts = context_texts(api, second["ticket"])
    assert texts == ["my order 4411 is late", "any news?"]
    assert ctx["linked_tickets"] == [first["ticket"]]
    first_ticket = api.get(f"/api/v1/tickets/{first['ticket']}/").json()
    assert first_ticket["linked_tickets"] == [second["ticket"]]
    assert first_ticket["mode"] == "crosschannel"


@pytest.mark.parametrize("mode,tickets", [("multichannel", 2), ("crosschannel", 2), ("omnichannel", 1)])
def test_same_phone_on_sms_then_whatsapp_is_one_contact(tenant, api, channels, mode, tickets):
    tenant.mode = mode
    tenant.save()
    a = inbound(api, channels["sms"], "06 98 76 54 32", "hello").json()
    b = inbound(api, channels["whatsapp"], "whatsapp:+33698765432", "hello again").json()
    assert a["contact"] == b["contact"]
    assert Contact.objects.filter(tenant=tenant).count() == 1
    assert Ticket.objects.filter(tenant=tenant).count() == tickets


def test_multichannel_reply_on_other_channel_is_refused(tenant, api, channels, customer):
    tenant.mode = "multichannel"
    tenant.save()
    first, _ = email_then_sms(api, channels)
    before = Message.objects.count()
    resp = api.post(
        f"/api/v1/tickets/{first['ticket']}/reply/", {"text": "Hi", "channel": channels["sms"].pk}, format="json"
    )
    assert resp.status_code == 400
    assert "channel" in resp.json()["errors"]
    assert Message.objects.count() == before


def test_omnichannel_reply_defaults_to_latest_inbound_channel_and_is_delivered(
    tenant, api, channels, customer, django_capture_on_commit_callbacks
):
    first, _ = email_then_sms(api, channels)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resp = api.post(f"/api/v1/tickets/{first['ticket']}/reply/", {"text": "It ships today"}, format="json")
    assert resp.status_code == 202
    enqueued = [c for c in callbacks if getattr(c, "func", c).__module__ == "channels_app.services.outbound"]
    assert len(enqueued) == 1  # delivery is enqueued only once the reply is committed (live's events aside)
    body = resp.json()
    assert body["channel"] == channels["sms"].pk
    assert body["to"] == "+33612345678"
    assert body["status"] == "queued"
    # committed then delivered by the (eager) task on commit
    message = api.get(f"/api/v1/messages/{body['id']}/").json()
    assert message["status"] == "sent"
    ticket = api.get(f"/api/v1/tickets/{first['ticket']}/").json()
    assert ticket["first_response_at"] is not None


def test_crosschannel_reply_allowed_on_any_reachable_channel_but_not_unreachable(tenant, api, channels, customer):
    tenant.mode = "crosschannel"
    tenant.save()
    first, _ = email_then_sms(api, channels)
    ok = api.post(
        f"/api/v1/tickets/{first['ticket']}/reply/", {"text": "x", "channel": channels["sms"].pk}, format="json"
    )
    assert ok.status_code == 202
    no = api.post(
        f"/api/v1/tickets/{first['ticket']}/reply/", {"text": "x", "channel": channels["webchat"].pk}, format="json"
    )
    assert no.status_code == 400


def test_redelivery_with_same_external_id_is_a_duplicate(tenant, api, channels):
    a = inbound(api, channels["sms"], "+33612345678", "hi", external_id="SMabc")
    b = inbound(api, channels["sms"], "+33612345678", "hi", external_id="SMabc")
    assert a.status_code == 201 and b.status_code == 200
    assert b.json() == {**a.json(), "duplicate": True}
    assert Message.objects.filter(tenant=tenant).count() == 1


def test_resolved_ticket_reopens_when_customer_writes_again(tenant, api, channels):
    a = inbound(api, channels["sms"], "+33612345678", "hi").json()
    assert api.patch(f"/api/v1/tickets/{a['ticket']}/", {"status": "resolved"}, format="json").status_code == 200
    b = inbound(api, channels["sms"], "+33612345678", "me again").json()
    assert b["ticket"] != a["ticket"]  # a resolved ticket is not joined: a new need opens a new ticket
    t = api.get(f"/api/v1/tickets/{a['ticket']}/").json()
    assert t["status"] == "resolved" and t["resolved_at"]


def test_resolving_sends_a_survey_and_a_rating_reply_is_captured(
    tenant, api, channels, django_capture_on_commit_callbacks
):
    from crm.models import Event

    first = inbound(api, channels["sms"], "+33612345678", "where is my parcel?").json()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.patch(f"/api/v1/tickets/{first['ticket']}/", {"status": "resolved"}, format="json").status_code == 200
        )
    surveys = Message.objects.filter(ticket_id=first["ticket"], direction="outbound", metadata__survey=first["ticket"])
    assert surveys.count() == 1 and surveys.get().channel_id == channels["sms"].pk
    # resolving again (reopen, resolve) does not ask twice
    api.patch(f"/api/v1/tickets/{first['ticket']}/", {"status": "open"}, format="json")
    api.patch(f"/api/v1/tickets/{first['ticket']}/", {"status": "resolved"}, format="json")
    assert surveys.count() == 1
    inbound(api, channels["sms"], "+33612345678", "4/5")
    rating = Event.objects.get(tenant=tenant, name="csat.rating")
    assert rating.properties["rating"] == 4 and rating.properties["ticket"] == first["ticket"]
    # an ordinary message is not a rating
    inbound(api, channels["sms"], "+33612345678", "thanks, 4 parcels arrived")
    assert Event.objects.filter(tenant=tenant, name="csat.rating").count() == 1
