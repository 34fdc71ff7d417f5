"""Row locks, always taken in one order (contacts by ascending id) so that two services
locking the same rows can never deadlock. No-ops on SQLite, whose writers are serialised."""

from __future__ import annotations

from crm.models import Contact


def lock_contacts(*, tenant, contact_ids: list[int]) -> dict[int, Contact]:
    rows = Contact.objects.select_for_update().filter(tenant=tenant, pk__in=sorted(set(contact_ids))).order_by("pk")
    return {c.pk: c for c in rows}


def lock_contact(*, tenant, contact_id: int) -> Contact:
    return lock_contacts(tenant=tenant, contact_ids=[contact_id])[contact_id]
