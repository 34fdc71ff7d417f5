"""Profile metrics (metrics.md): the same under every policy, since identity is the same truth."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q

from crm.models import Consent, ConsentStatus, Contact, Direction, Event, Identity, Message, Purpose, Tenant


def _active_contacts(tenant: Tenant, start: datetime, end: datetime):
    in_period = Q(occurred_at__gte=start, occurred_at__lt=end)
    return Contact.objects.filter(tenant=tenant).filter(
        Exists(Message.objects.filter(in_period, tenant=tenant, contact=OuterRef("pk")))
        | Exists(Event.objects.filter(in_period, tenant=tenant, contact=OuterRef("pk")))
    )


def profile_metrics(*, tenant: Tenant, start: datetime, end: datetime) -> dict:
    """``contacts`` active in the period, the share of them with identities of two or more kinds
    (phone-based channels share one phone identity), and consent conflicts."""
    active = _active_contacts(tenant, start, end)
    contacts = active.count()
    multi = (
        Identity.objects.filter(tenant=tenant, contact__in=active.values("pk"))
        .values("contact_id")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds__gte=2)
        .count()
    )
    opted_out_elsewhere = Consent.objects.filter(
        tenant=tenant,
        contact=OuterRef("contact_id"),
        status=ConsentStatus.OPTED_OUT,
        changed_at__lte=OuterRef("occurred_at"),
    ).exclude(channel_kind=OuterRef("channel__kind"))
    conflicts = (
        Message.objects.filter(
            tenant=tenant,
            direction=Direction.OUTBOUND,
            purpose=Purpose.MARKETING,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .filter(Exists(opted_out_elsewhere))
        .values("contact_id")
        .distinct()
        .count()
    )
    return {
        "contacts": contacts,
        "multi_identity_share": None if contacts == 0 else round(multi / contacts, 4),
        "consent_conflicts": conflicts,
    }
