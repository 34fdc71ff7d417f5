"""Writes on tenants: creation, settings (mode changes recorded), API keys, channels."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from crm.errors import ApplicationError, ConflictError, NotFoundError
from crm.models import ApiKey, Channel, ModeChange, Role, Tenant
from crm.providers import provider_choices, provider_credential_errors, provider_kind_errors

from .audit import Actor, audit_record, row_delete

API_KEY_PREFIX = "ock_"


def _experiment_snapshot(tenant: Tenant) -> dict | None:
    if tenant.experiment_holdout_percent is None:
        return None
    return {
        "holdout_percent": tenant.experiment_holdout_percent,
        "started_at": tenant.experiment_started_at.isoformat() if tenant.experiment_started_at else None,
    }


def _experiment_text(snapshot: dict | None) -> str:
    return "none" if snapshot is None else f"holdout {snapshot['holdout_percent']}%"


@transaction.atomic
def tenant_create(*, slug: str, name: str, mode: str = "multichannel", by: Actor | str = "system") -> Tenant:
    if Tenant.objects.filter(slug=slug).exists():
        raise ConflictError(f"A tenant with slug {slug!r} already exists.", {"slug": ["already exists"]})
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(slug=slug, name=name, mode=mode, experiment_salt=secrets.token_hex(8))
    except IntegrityError:
        raise ConflictError(f"A tenant with slug {slug!r} already exists.", {"slug": ["already exists"]}) from None
    ModeChange.objects.create(tenant=tenant, mode=mode, experiment=None, changed_at=timezone.now(), changed_by=str(by))
    audit_record(tenant=tenant, actor=by, action="tenant.create", target=tenant, summary=f"slug {slug}, mode {mode}")
    return tenant


EXPERIMENT = object()


@transaction.atomic
def tenant_update(*, tenant: Tenant, changes: dict, by: Actor | str, at: datetime | None = None) -> Tenant:
    """Apply validated settings; a change of ``mode`` or ``experiment`` is recorded (mode
    history), and every change is in the audit log.

    ``changes["experiment"]`` is ``None`` (stop) or ``{"holdout_percent": n}``.
    """
    at = at or timezone.now()
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = (tenant.mode, _experiment_snapshot(tenant))
    values = {name: getattr(tenant, name) for name in changes if name != "experiment"}
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
        ModeChange.objects.create(
            tenant=tenant, mode=tenant.mode, experiment=after[1], changed_at=at, changed_by=str(by)
        )
    _tenant_update_audit(tenant=tenant, by=by, before=before, after=after, values=values)
    return tenant


def _tenant_update_audit(*, tenant: Tenant, by: Actor | str, before: tuple, after: tuple, values: dict) -> None:
    """One entry: ``tenant.mode_change`` when the mode or the experiment changed (with both
    states), ``tenant.update`` naming the settings changed otherwise; none when nothing did."""
    parts = []
    if after[0] != before[0]:
        parts.append(f"mode {before[0]} → {after[0]}")
    if after[1] != before[1]:
        parts.append(f"experiment {_experiment_text(before[1])} → {_experiment_text(after[1])}")
    others = sorted(name for name, value in values.items() if name != "mode" and getattr(tenant, name) != value)
    if others:
        parts.append("settings changed: " + ", ".join(others))
    if parts:
        action = "tenant.mode_change" if after != before else "tenant.update"
        audit_record(tenant=tenant, actor=by, action=action, target=tenant, summary="; ".join(parts))


@transaction.atomic
def api_key_create(
    *, tenant: Tenant, role: str = Role.AGENT, label: str = "", by: Actor | str = "system"
) -> tuple[ApiKey, str]:
    """Create a key and return it with its raw value, shown once and never stored."""
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", {"role": ["unknown role"]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(tenant=tenant, role=role, label=label, prefix=raw[:12], key_hash=ApiKey.hash(raw))
    audit_record(tenant=tenant, actor=by, action="api_key.create", target=key, summary=_key_text(key))
    return key, raw


def _key_text(key: ApiKey) -> str:
    return f"key {key.prefix}…, role {key.role}" + (f", label {key.label!r}" if key.label else "")


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: Actor | str) -> bool:
    """Revoke a key (it authenticates nothing from now on); ``False`` if it already was."""
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit_record(tenant=key.tenant, actor=by, action="api_key.revoke", target=key, summary=_key_text(key))
    return bool(revoked)


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


@transaction.atomic
def channel_create(
    *,
    tenant: Tenant,
    kind: str,
    name: str,
    provider: str = "console",
    address: str = "",
    enabled: bool = True,
    credentials: dict | None = None,
    team=None,
    by: Actor | str = "system",
) -> Channel:
    channel_check(kind=kind, provider=provider, credentials=credentials or {})
    channel = Channel.objects.create(
        tenant=tenant,
        team=team,
        kind=kind,
        name=name,
        provider=provider,
        address=address,
        enabled=enabled,
        credentials=credentials or {},
    )
    keys = ", ".join(sorted(credentials or {})) or "none"
    summary = f"{kind} channel, provider {provider}; credential keys: {keys}"
    audit_record(tenant=tenant, actor=by, action="channel.create", target=channel, summary=summary)
    return channel


def channel_delete(*, tenant: Tenant, channel: Channel, by: Actor | str) -> None:
    """Delete a channel of ``tenant`` (in the audit log); one that has messages or tickets is a
    409 (disable it)."""
    if channel.tenant_id != tenant.pk:
        raise NotFoundError("No such channel.")
    try:
        row_delete(tenant=tenant, row=channel, by=by)
    except ProtectedError:
        raise ConflictError("This channel has messages or tickets; disable it instead.") from None


def credentials_change_summary(before: dict, after: dict) -> str:
    """Which credential keys a change added, removed or changed: names, never values."""
    parts = [f"credential keys now: {', '.join(sorted(after)) or 'none'}"]
    for label, names in (
        ("added", sorted(set(after) - set(before))),
        ("removed", sorted(set(before) - set(after))),
        ("changed", sorted(k for k in set(before) & set(after) if before[k] != after[k])),
    ):
        if names:
            parts.append(f"{label}: {', '.join(names)}")
    return "; ".join(parts)


@transaction.atomic
def channel_update(*, channel: Channel, changes: dict, by: Actor | str = "system") -> Channel:
    """Change a channel; new ``credentials`` replace the stored ones, and a change of them is
    in the audit log (which keys, never their values). The credentials are checked when they or
    the provider change (a rename leaves a channel's stored credentials alone)."""
    checks_credentials = "credentials" in changes or "provider" in changes
    channel_check(
        kind=changes.get("kind", channel.kind),
        provider=changes.get("provider", channel.provider),
        credentials=changes.get("credentials", channel.credentials) if checks_credentials else None,
    )
    before = dict(channel.credentials or {})
    for name, value in changes.items():
        setattr(channel, name, value)
    channel.save()
    after = dict(channel.credentials or {})
    if after != before:
        summary = credentials_change_summary(before, after)
        audit_record(
            tenant=channel.tenant, actor=by, action="channel.credentials_change", target=channel, summary=summary
        )
    return channel
