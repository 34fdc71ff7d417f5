from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from crm.filters import ContactFilter, filtered
from crm.models import Consent, Contact, Event, Identity, Message, Tenant
from crm.services.addresses import channel_kinds_for_identities

from .attachments import attachments_prefetch
from .scoping import get_scoped


def _contacts(tenant: Tenant) -> QuerySet[Contact]:
    return Contact.objects.filter(tenant=tenant).prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("pk")),
        Prefetch("consents", queryset=Consent.objects.order_by("channel_kind")),
    )


def contact_list(*, tenant: Tenant, filters: dict | None = None) -> QuerySet[Contact]:
    """Newest first; ``filters``: ``identity`` (``kind:address``), ``search`` (in the name)."""
    return filtered(ContactFilter, filters, _contacts(tenant).order_by("-pk"), region=tenant.default_region)


def contact_get(*, tenant: Tenant, pk) -> Contact:
    return get_scoped(_contacts(tenant), tenant=tenant, pk=pk)


def contact_by_identity(*, tenant: Tenant, kind: str, address: str) -> Contact | None:
    return Contact.objects.filter(tenant=tenant, identities__kind=kind, identities__address=address).first()


@dataclass(frozen=True)
class TimelineEntry:
    type: str  # "message" or "event"
    id: int
    occurred_at: datetime
    channel_id: int | None
    channel_kind: str
    item: Message | Event


def contact_timeline(
    *, tenant: Tenant, contact: Contact, limit: int = 100, before: datetime | None = None
) -> list[TimelineEntry]:
    """Messages (with their attachments) and events of a contact, newest first, at most
    ``limit`` (three queries)."""
    messages = (
        Message.objects.filter(tenant=tenant, contact=contact)
        .select_related("channel")
        .prefetch_related(attachments_prefetch())
    )
    events = Event.objects.filter(tenant=tenant, contact=contact).select_related("channel")
    if before is not None:
        messages, events = messages.filter(occurred_at__lt=before), events.filter(occurred_at__lt=before)
    entries = [
        TimelineEntry("message", m.pk, m.occurred_at, m.channel_id, m.channel.kind, m)
        for m in messages.order_by("-occurred_at", "-pk")[:limit]
    ] + [
        TimelineEntry(
            "event", e.pk, e.occurred_at, e.channel_id, e.channel_kind or (e.channel.kind if e.channel else ""), e
        )
        for e in events.order_by("-occurred_at", "-pk")[:limit]
    ]
    entries.sort(key=lambda e: (e.occurred_at, e.type == "message", e.id), reverse=True)
    return entries[:limit]


def contact_reachable_kinds(*, tenant: Tenant, contact_id: int) -> set[str]:
    """Channel kinds the contact has an identity for (one query)."""
    kinds = set(Identity.objects.filter(tenant=tenant, contact_id=contact_id).values_list("kind", flat=True))
    return channel_kinds_for_identities(kinds)
