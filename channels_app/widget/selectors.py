"""Reads of the widget: the visitor's contact and the conversation its token may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from crm.models import Direction, Identity, IdentityKind, Message, MessageStatus

from .visitors import Visitor

#: outbound statuses the visitor sees: the adapter accepted the message (``sent``) or later
VISIBLE_OUTBOUND = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class VisitorStanding:
    contact_id: int | None  # None: the visitor has not written yet
    allowed: bool  # False: the token's conversation belongs to someone this page does not prove


def visitor_standing(visitor: Visitor) -> VisitorStanding:
    """The contact of the visitor's identity, and whether this request may read it.

    A contact the widget created knows only visitor identities: its token is enough. A contact
    with any other identity (linked by a verified e-mail, or merged by staff) is read only when
    the page proves one of its e-mail addresses again: a shared computer whose next user is
    not logged in (or is someone else) does not see the previous user's conversation."""
    rows = list(
        Identity.objects.filter(
            tenant_id=visitor.channel.tenant_id,
            contact__identities__kind=IdentityKind.VISITOR,
            contact__identities__address=visitor.address,
        ).values_list("contact_id", "kind", "address")
    )
    if not rows:
        return VisitorStanding(contact_id=None, allowed=True)
    others = {(kind, address) for _, kind, address in rows if kind != IdentityKind.VISITOR}
    allowed = not others or (IdentityKind.EMAIL, visitor.verified_email) in others
    return VisitorStanding(contact_id=rows[0][0], allowed=allowed)


def visitor_messages(*, visitor: Visitor, contact_id: int, after: int | None = None) -> list[Message]:
    """The conversation on this channel, oldest first: every message after ``after`` (an id),
    or the newest ``HISTORY_LIMIT`` without it. The visitor's contact only, and of its agents'
    messages those the adapter delivered."""
    queryset = (
        Message.objects.filter(tenant_id=visitor.channel.tenant_id, channel=visitor.channel, contact_id=contact_id)
        .filter(Q(direction=Direction.INBOUND) | Q(direction=Direction.OUTBOUND, status__in=VISIBLE_OUTBOUND))
        .only("pk", "direction", "status", "text", "occurred_at", "created_at", "external_id")
    )
    if after is not None:
        return list(queryset.filter(pk__gt=after).order_by("pk")[:HISTORY_LIMIT])
    return list(reversed(queryset.order_by("-pk")[:HISTORY_LIMIT]))
