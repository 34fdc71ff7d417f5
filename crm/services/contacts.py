"""Writes on contacts: create, resolve by identity, merge, erase, consent."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError, NotFoundError
from crm.models import (
    Consent,
    ConsentStatus,
    Contact,
    ContactMerge,
    Event,
    Identity,
    Message,
    Tenant,
    Ticket,
)
from crm.models.channels import ChannelKind
from crm.signals import collected, contact_erasing, contact_merging

from .addresses import normalize_address
from .audit import Actor, audit_record, row_delete
from .changes import CONTACT_CREATED, CONTACT_MERGED, change_publish
from .locks import lock_contact_by_identity, lock_contacts


def normalize_identities(*, tenant: Tenant, identities: list[dict]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, ident in enumerate(identities):
        address = normalize_address(
            ident.get("kind", ""),
            ident.get("address", ""),
            region=tenant.default_region,
            field=f"identities[{i}]",
        )
        if (ident["kind"], address) not in out:
            out.append((ident["kind"], address))
    return out


def _check_consents(consents: dict) -> None:
    for kind, status in consents.items():
        if kind not in ChannelKind.values or status not in ConsentStatus.values:
            raise ApplicationError(
                "Consents map a channel kind to opted_in or opted_out.", {"consents": [f"invalid entry {kind!r}"]}
            )


@transaction.atomic
def contact_create(
    *,
    tenant: Tenant,
    name: str = "",
    identities: list[dict] | None = None,
    attributes: dict | None = None,
    consents: dict | None = None,
    timezone_name: str = "",
) -> Contact:
    pairs = normalize_identities(tenant=tenant, identities=identities or [])
    _check_consents(consents or {})
    contact = Contact.objects.create(tenant=tenant, name=name, attributes=attributes or {}, timezone=timezone_name)
    identity_add_many(tenant=tenant, contact=contact, pairs=pairs)
    for kind, status in (consents or {}).items():
        consent_set(tenant=tenant, contact=contact, channel_kind=kind, status=status, source="api")
    change_publish(tenant=tenant, change=CONTACT_CREATED, instance=contact, contact_id=contact.pk)
    return contact


def identity_add_many(*, tenant: Tenant, contact: Contact, pairs: list[tuple[str, str]]) -> None:
    """Attach identities; one that belongs to another contact is a 409 and nothing is written."""
    for kind, address in pairs:
        owner = (
            Identity.objects.filter(tenant=tenant, kind=kind, address=address)
            .values_list("contact_id", flat=True)
            .first()
        )
        if owner == contact.pk:
            continue
        if owner is not None:
            raise ConflictError(
                f"The identity {kind}:{address} already belongs to contact {owner}.",
                {"identities": [f"{kind}:{address} belongs to contact {owner}"], "contact": owner},
            )
        try:
            with transaction.atomic():
                Identity.objects.create(tenant=tenant, contact=contact, kind=kind, address=address)
        except IntegrityError:
            raise ConflictError(f"The identity {kind}:{address} already belongs to another contact.") from None


@transaction.atomic
def contact_update(
    *,
    tenant: Tenant,
    contact: Contact,
    name: str | None = None,
    attributes: dict | None = None,
    identities: list[dict] | None = None,
    consents: dict | None = None,
) -> Contact:
    if name is not None:
        contact.name = name
    if attributes is not None:
        contact.attributes = attributes
    contact.save()
    if identities is not None:
        identity_add_many(
            tenant=tenant, contact=contact, pairs=normalize_identities(tenant=tenant, identities=identities)
        )
    if consents is not None:
        _check_consents(consents)
        for kind, status in consents.items():
            consent_set(tenant=tenant, contact=contact, channel_kind=kind, status=status, source="api")
    return contact


def contact_resolve(*, tenant: Tenant, kind: str, address: str, name: str = "") -> tuple[Contact, bool]:
    """The contact owning an (already normalised) identity, created with it if new.

    Safe under concurrency: two requests creating the same identity end with one contact.
    """
    identity = Identity.objects.filter(tenant=tenant, kind=kind, address=address).select_related("contact").first()
    if identity is not None:
        return identity.contact, False
    return contact_create_for_identity(tenant=tenant, kind=kind, address=address, name=name)


def contact_create_with_identity(*, tenant: Tenant, kind: str, address: str, name: str = "") -> Contact:
    """Create a contact owning a new identity, without a savepoint: if a concurrent request
    created that identity first, ``IntegrityError`` leaves the caller's transaction to be
    rolled back (and the caller may retry: the identity then exists)."""
    contact = Contact.objects.create(tenant=tenant, name=name)
    Identity.objects.create(tenant=tenant, contact=contact, kind=kind, address=address)
    return contact


def contact_create_for_identity(*, tenant: Tenant, kind: str, address: str, name: str = "") -> tuple[Contact, bool]:
    """Create a contact with a new identity; ``(contact, True)``.

    If a concurrent request created that identity first, its contact is returned instead,
    ``(contact, False)``, with its row locked when inside a transaction. A contact created
    here needs no lock: no one else sees it before the transaction commits.
    """
    try:
        with transaction.atomic():
            return contact_create_with_identity(tenant=tenant, kind=kind, address=address, name=name), True
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            contact = lock_contact_by_identity(tenant=tenant, kind=kind, address=address)
        else:
            contact = Contact.objects.filter(
                tenant=tenant, identities__tenant=tenant, identities__kind=kind, identities__address=address
            ).first()
        if contact is None:
            raise
        return contact, False


def consent_set(
    *,
    tenant: Tenant,
    contact: Contact,
    channel_kind: str,
    status: str,
    source: str,
    source_message: Message | None = None,
    at: datetime | None = None,
) -> Consent:
    """Record the contact's consent for a channel kind; each change is also a timeline event."""
    at = at or timezone.now()
    consent, created = Consent.objects.get_or_create(
        tenant=tenant,
        contact=contact,
        channel_kind=channel_kind,
        defaults={"status": status, "source": source, "source_message": source_message, "changed_at": at},
    )
    if not created and consent.status == status:
        return consent
    if not created:
        consent.status, consent.source, consent.source_message, consent.changed_at = status, source, source_message, at
        consent.save()
    Event.objects.create(
        tenant=tenant,
        contact=contact,
        name=f"consent.{status}",
        channel_kind=channel_kind,
        channel=source_message.channel if source_message else None,
        properties={"source": source, "message": source_message.pk if source_message else None},
        occurred_at=at,
    )
    return consent


@transaction.atomic
def contact_merge(*, tenant: Tenant, contact: Contact, other: Contact, by: Actor | str) -> Contact:
    """Move identities, tickets, messages, events, consents and offers of ``other`` into
    ``contact``, then delete ``other``. Locks both contacts (ascending id)."""
    if contact.pk == other.pk:
        raise ApplicationError("A contact cannot be merged into itself.", {"other": ["same contact"]})
    lock_contacts(tenant=tenant, contact_ids=[contact.pk, other.pk])
    answers = contact_merging.send(sender=Contact, tenant=tenant, kept=contact, other=other, at=timezone.now())
    moved = {}
    for model in (Identity, Ticket, Message, Event):
        moved[model._meta.model_name] = model.objects.filter(tenant=tenant, contact=other).update(contact=contact)
    for answer in collected(answers):
        moved.update(answer)
    kept_kinds = set(Consent.objects.filter(tenant=tenant, contact=contact).values_list("channel_kind", flat=True))
    Consent.objects.filter(tenant=tenant, contact=other).exclude(channel_kind__in=kept_kinds).update(contact=contact)
    if not contact.name and other.name:
        contact.name = other.name
    contact.attributes = {**other.attributes, **contact.attributes}
    contact.save()
    ContactMerge.objects.create(
        tenant=tenant,
        kept=contact,
        merged_contact_id=other.pk,
        merged_name=other.name,
        merged_at=timezone.now(),
        merged_by=str(by),
        moved=moved,
    )
    audit_record(
        tenant=tenant,
        actor=by,
        action="contact.merge",
        target=contact,
        summary=f"contact #{other.pk} merged into #{contact.pk}; moved: "
        + ", ".join(f"{name} {count}" for name, count in sorted(moved.items()) if count),
    )
    other.delete()
    change_publish(tenant=tenant, change=CONTACT_MERGED, instance=contact, contact_id=contact.pk)
    return contact


def contact_delete(*, tenant: Tenant, contact: Contact, by: Actor | str) -> None:
    """Delete a contact of ``tenant``, with what the schema deletes along with it (in the audit
    log)."""
    if contact.tenant_id != tenant.pk:
        raise NotFoundError("No such contact.")
    row_delete(tenant=tenant, row=contact, by=by)


ERASED = "[erased]"


@transaction.atomic
def contact_erase(*, tenant: Tenant, contact: Contact, by: Actor | str) -> Contact:
    """Right to erasure: personal data removed or anonymised; rows (and counts) are kept.

    The other apps scrub what they keep (``contact_erasing``), told the contact's addresses
    since its identities are gone by then. Who erased is in the audit log."""
    lock_contacts(tenant=tenant, contact_ids=[contact.pk])
    identities = Identity.objects.filter(tenant=tenant, contact=contact)
    addresses = sorted(set(identities.values_list("address", flat=True)))
    identities.delete()
    Message.objects.filter(tenant=tenant, contact=contact).update(
        text=ERASED, subject="", from_address="", to_address="", in_reply_to="", metadata={"erased": True}
    )
    Ticket.objects.filter(tenant=tenant, contact=contact).update(subject="")
    Event.objects.filter(tenant=tenant, contact=contact).update(properties={})
    ContactMerge.objects.filter(tenant=tenant, kept=contact).update(merged_name="")
    contact.name = ""
    contact.attributes = {}
    contact.erased_at = timezone.now()
    contact.save()
    contact_erasing.send(
        sender=Contact, tenant=tenant, contact=contact, addresses=addresses, at=contact.erased_at, by=str(by)
    )
    audit_record(tenant=tenant, actor=by, action="contact.erase", target=contact, summary="personal data erased")
    return contact


__all__ = [
    "consent_set",
    "contact_create",
    "contact_create_for_identity",
    "contact_create_with_identity",
    "contact_delete",
    "contact_erase",
    "contact_merge",
    "contact_resolve",
    "contact_update",
    "identity_add_many",
]
