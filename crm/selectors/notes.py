"""Reads of internal notes and mentions."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from crm.models import NoteMention, Tenant, Ticket, TicketNote


def ticket_notes(*, tenant: Tenant, ticket: Ticket) -> QuerySet[TicketNote]:
    """The ticket's notes, oldest first, with the ids of the users they mention."""
    mentions = Prefetch("mention_rows", queryset=NoteMention.objects.order_by("user_id"))
    return (
        TicketNote.objects.filter(tenant=tenant, ticket=ticket).prefetch_related(mentions).order_by("created_at", "pk")
    )


def mentions_unread(*, tenant: Tenant, user, limit: int = 20) -> list[NoteMention]:
    """The user's unread mentions in ``tenant``, newest first, with their note and ticket."""
    return list(
        NoteMention.objects.filter(tenant=tenant, user=user, read_at=None)
        .select_related("note__ticket__contact")
        .order_by("-note__created_at", "-pk")[:limit]
    )


def mentions_unread_count(*, tenant: Tenant, user) -> int:
    return NoteMention.objects.filter(tenant=tenant, user=user, read_at=None).count()
