"""The language of the texts the product sends to a customer on its own (surveys, STOP
confirmations, ready-made journeys): the contact's ``language`` attribute when it is one the
product speaks, else the tenant's ``language`` (contract, "customer language")."""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.utils import translation

from crm.models import Contact, Language, Tenant


def customer_language(*, tenant: Tenant, contact: Contact | None = None) -> str:
    chosen = str((contact.attributes or {}).get("language") or "").lower()[:2] if contact is not None else ""
    return chosen if chosen in Language.values else tenant.language


def in_customer_language(*, tenant: Tenant, contact: Contact | None = None) -> AbstractContextManager:
    """``with in_customer_language(...)``: gettext speaks the customer's language inside."""
    return translation.override(customer_language(tenant=tenant, contact=contact))
