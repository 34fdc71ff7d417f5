"""Row locks on contacts, all taken here, always in one order (contacts by ascending id) so that
two services locking the same rows can never deadlock. No-ops on SQLite, whose writers are
serialised. (The PostgreSQL form of ingestion, ``ingest_sql``, locks its one contact inside its
own statement batch, as ``lock_contact_by_identity`` does.)"""

from __future__ import annotations

from django.db import connection

from crm.models import Contact


def lock_contacts(*, tenant, contact_ids: list[int]) -> dict[int, Contact]:
    rows = Contact.objects.select_for_update().filter(tenant=tenant, pk__in=sorted(set(contact_ids))).order_by("pk")
    return {c.pk: c for c in rows}


def lock_contact(*, tenant, contact_id: int) -> Contact:
    return lock_contacts(tenant=tenant, contact_ids=[contact_id])[contact_id]


def lock_contact_by_identity(*, tenant, kind: str, address: str) -> Contact | None:
    """The contact owning an (already normalised) identity, its row locked until the end of
    the transaction (one query); ``None`` when no contact owns it. Assumes an open transaction."""
    # The identity is unique per tenant: at most one row, no ordering needed. Its tenant is
    # named so that the lookup uses the (tenant, kind, address) index.
    rows = Contact.objects.select_for_update(of=("self",)).filter(
        tenant_id=tenant.pk, identities__tenant_id=tenant.pk, identities__kind=kind, identities__address=address
    )[:1]
    return next(iter(rows), None)


def lock_contacts_unless_held(*, contact_ids: list[int]) -> set[int]:
    """Lock those of ``contact_ids`` (of any tenant) that no other transaction holds, skipping
    the others (``SKIP LOCKED``); the ids locked. All of them where the database cannot skip."""
    ids = sorted(set(contact_ids))
    if not connection.features.has_select_for_update_skip_locked:
        return set(ids)
    rows = Contact.objects.select_for_update(skip_locked=True).filter(pk__in=ids).order_by("pk")
    return set(rows.values_list("pk", flat=True))
