"""CSAT surveys: one question after a ticket is resolved, and the rating a customer replies.

A rating is an inbound message whose whole text is a number from 1 to 5 (``4``, ``4/5``,
``4 stars``), received on any channel within ``SURVEY_WINDOW`` of a survey sent to the
contact and not yet answered. It is stored as a ``csat.rating`` event (properties
``{"rating": n, "ticket": id}``); the message itself joins the resolved ticket it answers,
without reopening it (it opens no ticket of its own), and stays on the timeline.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy

from crm.models import Event, Message, Purpose, Tenant, Ticket, TicketStatus

from .events import event_record
from .language import in_customer_language
from .messages import outbound_create, reply_channel_choose

CSAT_EVENT = "csat.rating"
SURVEY_WINDOW = timedelta(days=7)
SURVEY_TEXT = gettext_lazy(
    "Your request is resolved. How satisfied are you, from 1 (not at all) to 5 (very)? Reply with a number."
)
RATING = re.compile(r"^\s*([1-5])\s*(?:/\s*5|stars?|étoiles?|★+)?\s*[.!]?\s*$", re.IGNORECASE)


def survey_rating(text: str) -> int | None:
    """The rating a reply text gives, or ``None`` when it is not a rating alone."""
    match = RATING.match(text or "")
    return int(match.group(1)) if match else None


@transaction.atomic
def survey_send(*, tenant: Tenant, ticket: Ticket, at: datetime) -> Message | None:
    """Ask for a rating of a resolved ticket, once, on the channel the policy replies on."""
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return None
    if Message.objects.filter(tenant=tenant, ticket=ticket, metadata__survey=ticket.pk).exists():
        return None
    channel = reply_channel_choose(tenant=tenant, ticket=ticket)
    if not channel.enabled:
        return None
    return outbound_create(
        tenant=tenant,
        contact=ticket.contact,
        channel=channel,
        text=_survey_text(tenant=tenant, contact=ticket.contact),
        purpose=Purpose.TRANSACTIONAL,
        ticket=ticket,
        at=at,
        metadata={"survey": ticket.pk},
    )


def _survey_text(*, tenant: Tenant, contact) -> str:
    with in_customer_language(tenant=tenant, contact=contact):
        return str(SURVEY_TEXT)


def survey_answered(*, tenant_id: int, contact_id: int, at: datetime) -> int | None:
    """The ticket whose survey a rating from the contact at ``at`` answers: the latest survey
    sent within ``SURVEY_WINDOW`` before ``at`` and not yet answered; ``None`` without one."""
    surveys = Message.objects.filter(
        tenant_id=tenant_id,
        contact_id=contact_id,
        direction="outbound",
        metadata__survey__isnull=False,
        occurred_at__lte=at,
        occurred_at__gte=at - SURVEY_WINDOW,
    ).order_by("-occurred_at", "-pk")
    answered = set(
        Event.objects.filter(tenant_id=tenant_id, contact_id=contact_id, name=CSAT_EVENT).values_list(
            "properties__ticket", flat=True
        )
    )
    for survey in surveys.values_list("metadata", flat=True)[:5]:
        if survey.get("survey") not in answered:
            return survey["survey"]
    return None


def survey_reply_capture(*, message: Message) -> Event | None:
    """Record the rating ``message`` gives to the contact's latest unanswered survey, if any."""
    rating = survey_rating(message.text) if message.direction == "inbound" else None
    if rating is None:
        return None
    ticket_id = survey_answered(tenant_id=message.tenant_id, contact_id=message.contact_id, at=message.occurred_at)
    return None if ticket_id is None else survey_rating_record(message=message, rating=rating, ticket_id=ticket_id)


def survey_rating_record(*, message: Message, rating: int, ticket_id: int) -> Event:
    """The ``csat.rating`` event of ``message``, answering the survey of ticket ``ticket_id``."""
    return event_record(
        tenant=message.tenant,
        contact=message.contact,
        name=CSAT_EVENT,
        channel=message.channel,
        properties={"rating": rating, "ticket": ticket_id, "message": message.pk},
        occurred_at=message.occurred_at,
        idempotency_key=f"csat:{message.tenant_id}:{message.pk}",
    ).event
