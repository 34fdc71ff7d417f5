from __future__ import annotations

from django.db.models import QuerySet

from crm.errors import ApplicationError, NotFoundError
from crm.models import Channel, ModeChange, Tenant

from .scoping import get_scoped


def mode_history(*, tenant: Tenant) -> QuerySet[ModeChange]:
    return ModeChange.objects.filter(tenant=tenant).order_by("changed_at", "pk")


def channel_list(*, tenant: Tenant, kind: str | None = None) -> QuerySet[Channel]:
    qs = Channel.objects.filter(tenant=tenant).order_by("pk")
    return qs.filter(kind=kind) if kind else qs


def channel_get(*, tenant: Tenant, pk) -> Channel:
    return get_scoped(Channel.objects.all(), tenant=tenant, pk=pk)


def channel_from_input(*, tenant: Tenant, pk, field: str = "channel") -> Channel:
    """A channel named in a request body: an unknown or foreign id is a 400 on that field."""
    try:
        return channel_get(tenant=tenant, pk=pk)
    except NotFoundError:
        raise ApplicationError(f"Unknown channel {pk!r}.", {field: ["unknown channel"]}) from None
