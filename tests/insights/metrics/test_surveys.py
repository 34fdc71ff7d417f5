"""CSAT: the survey after resolution and the rating a customer replies on any channel."""

from __future__ import annotations

import pytest

from crm.models import Event, Ticket
from crm.services.messages import InboundMessage, message_ingest
from crm.services.surveys import survey_rating, survey_reply_capture, survey_send
from crm.services.tickets import ticket_update

from .logs import at, contact, inbound, ticket


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4", 4),
        (" 5 ", 5),
        ("3/5", 3),
        ("2 stars", 2),
        ("1.", 1),
        ("0", None),
        ("6", None),
        ("45", None),
        ("4 but slow", None),
        ("", None),
        ("STOP", None),
    ],
)
def test_a_rating_is_a_number_from_1_to_5_alone(text, rating):
    assert survey_rating(text) == rating


def _resolved_ticket(tenant, channels):
    c = contact(tenant, email="ann@example.com", phone="+33612345678")
    t = ticket(tenant, c, channels["email"], at(0), mode="omnichannel")
    inbound(tenant, c, channels["email"], at(0), t)
    return c, ticket_update(ticket=t, status="resolved", at=at(2))


@pytest.mark.django_db
def test_survey_is_sent_once_after_resolution_and_a_reply_on_another_channel_is_captured(tenant, channels):
    c, t = _resolved_ticket(tenant, channels)
    survey = survey_send(tenant=tenant, ticket=t, at=at(2))
    assert survey.purpose == "transactional" and survey.channel == channels["email"]
    assert survey_send(tenant=tenant, ticket=t, at=at(3)) is None
    result = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678", text="4", occurred_at=at(5)),
    )
    reply, event = result.message, result.rating  # ingestion captures the rating itself
    assert (event.name, event.properties["rating"], event.properties["ticket"]) == ("csat.rating", 4, t.pk)
    assert event.channel_kind == "sms" and event.occurred_at == at(5)
    assert reply.ticket_id == t.pk  # recorded on the resolved ticket it answers: no ticket "4"
    reply.ticket.refresh_from_db()
    assert reply.ticket.status == "resolved"  # not reopened: the rating alone needs no agent
    assert Ticket.objects.filter(tenant=tenant).count() == 1
    again = message_ingest(
        tenant=tenant,
        inbound=InboundMessage(channel=channels["sms"], from_address="+33612345678", text="5", occurred_at=at(6)),
    )
    assert again.rating is None and survey_reply_capture(message=again.message) is None  # already answered
    assert Event.objects.filter(tenant=tenant, name="csat.rating").count() == 1


@pytest.mark.django_db
def test_no_survey_no_rating_and_open_tickets_get_no_survey(tenant, channels):
    c = contact(tenant, email="bob@example.com")
    t = ticket(tenant, c, channels["email"], at(0))
    assert survey_send(tenant=tenant, ticket=t, at=at(1)) is None
    reply = inbound(tenant, c, channels["email"], at(2), t, text="5")
    assert survey_reply_capture(message=reply) is None


@pytest.mark.django_db
def test_a_rating_after_the_survey_window_is_not_captured(tenant, channels):
    c, t = _resolved_ticket(tenant, channels)
    survey_send(tenant=tenant, ticket=t, at=at(2))
    late = inbound(tenant, c, channels["email"], at(2 + 24 * 8), None, text="3")
    assert survey_reply_capture(message=late) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tenant_language", "contact_language", "start"),
    [("fr", "", "Votre demande"), ("en", "", "Your request"), ("fr", "en", "Your request")],
)
def test_the_survey_speaks_the_customers_language(tenant, channels, tenant_language, contact_language, start):
    tenant.language = tenant_language
    tenant.save()
    c, t = _resolved_ticket(tenant, channels)
    c.attributes = {"language": contact_language} if contact_language else {}
    c.save()
    t.contact = c
    assert survey_send(tenant=tenant, ticket=t, at=at(2)).text.startswith(start)
