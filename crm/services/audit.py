"""The audit log's one writer, and who acts from where.

Services that change what a tenant's managers must be able to account for (mode and
experiment switches, merges, erasures, deletions, API keys, channel credentials) call
``audit_record`` inside their transaction, so an entry exists exactly when the change does.
The API and the admin pass an ``Actor`` (who, with their role in the tenant, and the client's
address); commands pass their name.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction

from crm.models import AuditEntry, Tenant


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` is what the product records elsewhere (``ModeChange.changed_by``,
    ``ContactMerge.merged_by``); ``role`` is their role in the tenant acted on; ``address`` the
    client's IP address (``None`` for a command or a task)."""

    name: str
    role: str = ""
    address: str | None = None

    def __str__(self) -> str:
        return self.name


def actor_of(by: Actor | str) -> Actor:
    """``by`` as an Actor: a plain string is a command or the system, with no role or address."""
    return by if isinstance(by, Actor) else Actor(name=str(by))


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or the first ``X-Forwarded-For`` hop when
    ``settings.TRUST_X_FORWARDED_FOR`` says the proxy in front sets that header (anyone can
    send it, so it is ignored otherwise; a hop that is not an address is ignored too)."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and (first := _ip(forwarded.split(",")[0])):
            return first
    return _ip(request.META.get("REMOTE_ADDR", "") or "")


def audit_record(
    *,
    tenant: Tenant,
    actor: Actor | str,
    action: str,
    target: models.Model,
    summary: str = "",
    address: str | None = None,
) -> AuditEntry:
    """Append one entry to ``tenant``'s audit log. ``summary`` says what changed without a
    secret or a customer's personal data; ``address`` defaults to the actor's."""
    actor = actor_of(actor)
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor.name[:200],
        actor_role=actor.role,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        summary=summary[:1000],
        address=address or actor.address,
    )


@transaction.atomic
def row_delete(*, tenant: Tenant, row: models.Model, by: Actor | str) -> None:
    """Delete one of ``tenant``'s rows (with what the models cascade to) and record who did.

    The entry names the row's type and id only: its text may be personal data."""
    audit_record(
        tenant=tenant,
        actor=by,
        action=f"{row._meta.model_name}.delete",
        target=row,
        summary=f"{row._meta.verbose_name} #{row.pk} deleted",
    )
    row.delete()


__all__ = ["Actor", "actor_of", "audit_record", "client_address", "row_delete"]
