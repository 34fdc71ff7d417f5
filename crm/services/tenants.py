"""Writes on tenants: creation, settings (mode changes recorded), API keys, channels."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError
from crm.models import ApiKey, Channel, ModeChange, Role, Tenant
from crm.providers import provider_choices, provider_credential_errors, provider_kind_errors

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


def channel_check(*, kind: str, provider: str, credentials: dict | None = None) -> None:
    """Refuse a provider that is not registered or cannot serve ``kind`` and, when
    ``credentials`` are given, credentials that lack a key the provider requires."""
    try:
        errors = {"provider": provider_kind_errors(provider=provider, kind=kind)}
        if credentials is not None:
            errors["credentials"] = provider_credential_errors(provider=provider, credentials=credentials)
    except LookupError:
        known = ", ".join(key for key, _label in provider_choices())
        raise ApplicationError(f"Unknown provider {provider!r}.", {"provider": [f"one of: {known}"]}) from None
    errors = {field: messages for field, messages in errors.items() if messages}
    if "provider" in errors:
        raise ApplicationError(f"Provider {provider!r} cannot serve a {kind!r} channel.", errors)
    if errors:
        raise ApplicationError(f"Missing credentials for provider {provider!r}.", errors)


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
    channel_check(kind=kind, provider=provider, credentials=credentials or {})
    return Channel.objects.create(
        tenant=tenant,
        kind=kind,
        name=name,
        provider=provider,
        address=address,
        enabled=enabled,
        credentials=credentials or {},
    )


def channel_update(*, channel: Channel, changes: dict) -> Channel:
    """Apply validated changes; the credentials are checked when they or the provider change
    (a rename leaves a channel's stored credentials alone)."""
    checks_credentials = "credentials" in changes or "provider" in changes
    channel_check(
        kind=changes.get("kind", channel.kind),
        provider=changes.get("provider", channel.provider),
        credentials=changes.get("credentials", channel.credentials) if checks_credentials else None,
    )
    for name, value in changes.items():
        setattr(channel, name, value)
    channel.save()
    return channel
