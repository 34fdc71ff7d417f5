"""Writes on tenants: creation, settings (mode changes recorded), API keys, channels."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError, NotFoundError
from crm.models import ApiKey, Channel, ModeChange, Role, Tenant
from crm.models.channels import PROVIDER_KINDS

API_KEY_PREFIX = "ock_"


def _experiment_snapshot(tenant: Tenant) -> dict | None:
    if tenant.experiment_holdout_percent is None:
        return None
    return {
        "holdout_percent": tenant.experiment_holdout_percent,
        "started_at": tenant.experiment_started_at.isoformat() if tenant.experiment_started_at else None,
    }


@transaction.atomic
def tenant_create(*, slug: str, name: str, mode: str = "multichannel", by: str = "system") -> Tenant:
    if Tenant.objects.filter(slug=slug).exists():
        raise ConflictError(f"A tenant with slug {slug!r} already exists.", {"slug": ["already exists"]})
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(slug=slug, name=name, mode=mode, experiment_salt=secrets.token_hex(8))
    except IntegrityError:
        raise ConflictError(f"A tenant with slug {slug!r} already exists.", {"slug": ["already exists"]}) from None
    ModeChange.objects.create(tenant=tenant, mode=mode, experiment=None, changed_at=timezone.now(), changed_by=by)
    return tenant


EXPERIMENT = object()


@transaction.atomic
def tenant_update(*, tenant: Tenant, changes: dict, by: str, at: datetime | None = None) -> Tenant:
    """Apply validated settings; a change of ``mode`` or ``experiment`` is recorded.

    ``changes["experiment"]`` is ``None`` (stop) or ``{"holdout_percent": n}``.
    """
    at = at or timezone.now()
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = (tenant.mode, _experiment_snapshot(tenant))
    for name, value in changes.items():
        if name == "experiment":
            if value is None:
                tenant.experiment_holdout_percent = None
                tenant.experiment_started_at = None
            else:
                if tenant.experiment_holdout_percent is None:
                    tenant.experiment_started_at = value.get("started_at") or at
                tenant.experiment_holdout_percent = value["holdout_percent"]
        else:
            setattr(tenant, name, value)
    tenant.save()
    after = (tenant.mode, _experiment_snapshot(tenant))
    if after != before:
        ModeChange.objects.create(tenant=tenant, mode=tenant.mode, experiment=after[1], changed_at=at, changed_by=by)
    return tenant


def api_key_create(*, tenant: Tenant, role: str = Role.AGENT, label: str = "") -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, shown once and never stored."""
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", {"role": ["unknown role"]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(tenant=tenant, role=role, label=label, prefix=raw[:12], key_hash=ApiKey.hash(raw))
    return key, raw


def channel_check(*, kind: str, provider: str) -> None:
    allowed = PROVIDER_KINDS.get(provider, set())
    if allowed is not None and kind not in allowed:
        raise ApplicationError(
            f"Provider {provider!r} cannot serve a {kind!r} channel.", {"provider": [f"not available for {kind}"]}
        )


def channel_create(
    *,
    tenant: Tenant,
    kind: str,
    name: str,
    provider: str = "console",
    address: str = "",
    enabled: bool = True,
    credentials: dict | None = None,
) -> Channel:
    channel_check(kind=kind, provider=provider)
    return Channel.objects.create(
        tenant=tenant,
        kind=kind,
        name=name,
        provider=provider,
        address=address,
        enabled=enabled,
        credentials=credentials or {},
    )


def channel_delete(*, tenant: Tenant, channel: Channel) -> None:
    """Delete a channel of ``tenant``; one that has messages or tickets is a 409 (disable it)."""
    if channel.tenant_id != tenant.pk:
        raise NotFoundError("No such channel.")
    try:
        channel.delete()
    except ProtectedError:
        raise ConflictError("This channel has messages or tickets; disable it instead.") from None


def channel_update(*, channel: Channel, changes: dict) -> Channel:
    channel_check(kind=changes.get("kind", channel.kind), provider=changes.get("provider", channel.provider))
    for name, value in changes.items():
        setattr(channel, name, value)
    channel.save()
    return channel
