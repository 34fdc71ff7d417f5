"""Internal notes on tickets and the agents they mention."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.errors import ApplicationError
from crm.models import NoteMention, Tenant, Ticket, TicketNote
from crm.signals import note_added

#: ``@alice``, ``@alice.martin``: a username (or a first name) of one of the tenant's staff
MENTION = re.compile(r"(?<![\w@])@([\w][\w.+-]*)")
NOTE_MAX = 20_000


def mentioned_users(*, tenant: Tenant, text: str) -> list:
    """The tenant's staff named in ``text`` by username, or by first name, case-insensitively."""
    names = {name.rstrip(".").lower() for name in MENTION.findall(text)}
    if not names:
        return []
    named = Q()
    for name in names:
        named |= Q(username__iexact=name) | Q(first_name__iexact=name)
    users = get_user_model().objects.filter(named, memberships__tenant=tenant).distinct().order_by("pk")
    return list(users)


@transaction.atomic
def note_create(*, tenant: Tenant, ticket: Ticket, text: str, author: str, author_user=None) -> TicketNote:
    """Add an internal note to ``ticket``: never sent, never a response; the agents it mentions
    are told (``note_added``, live)."""
    text = text.strip()
    if not text:
        raise ApplicationError("A note needs a text.", {"text": ["This field may not be blank."]})
    if len(text) > NOTE_MAX:
        raise ApplicationError("The note is too long.", {"text": [f"at most {NOTE_MAX} characters"]})
    note = TicketNote.objects.create(
        tenant=tenant, ticket=ticket, text=text, author=author[:200], author_user=author_user
    )
    users = [u for u in mentioned_users(tenant=tenant, text=text) if u != author_user]
    NoteMention.objects.bulk_create([NoteMention(tenant=tenant, note=note, user=u) for u in users])
    note_added.send(sender=TicketNote, note=note, mentioned=[u.pk for u in users])
    return note


def mentions_mark_read(*, tenant: Tenant, user, ticket: Ticket) -> int:
    """The user's mentions on ``ticket`` are read (they opened it)."""
    return NoteMention.objects.filter(tenant=tenant, user=user, note__ticket=ticket, read_at=None).update(
        read_at=timezone.now()
    )
