"""Sections of the customer 360 that other apps fill (``crm.signals.contact_panels``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crm.models import Contact, Tenant
from crm.signals import collected, contact_panels


@dataclass(frozen=True)
class ContactPanel:
    """A section of the customer 360: its template and what the template reads (ready: the
    template never queries)."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def contact_panels_for(*, tenant: Tenant, contact: Contact) -> list[ContactPanel]:
    answers = collected(contact_panels.send(sender=Contact, tenant=tenant, contact=contact))
    return sorted(answers, key=lambda panel: panel.order)
