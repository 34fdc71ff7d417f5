from __future__ import annotations

from django.db.models import QuerySet

from crm.errors import ApplicationError
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
    """A channel named in a request body: an unknown or foreign id is a 400 on that field.

    Every pushed inbound message names its channel, so this lookup is a written statement
    (``Manager.raw``, converted as the ORM converts): compiling the equivalent queryset costs
    the request more than the database does."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    found = None
    if pk is not None and 0 < pk < 2**63:  # beyond, no row can match (and the column is a bigint)
        found = next(iter(Channel.objects.raw(_CHANNEL_BY_ID, [pk, tenant.pk])), None)
    if found is None:
        raise ApplicationError(f"Unknown channel {pk!r}.", {field: ["unknown channel"]})
    return found


_CHANNEL_BY_ID = f"SELECT * FROM {Channel._meta.db_table} WHERE id = %s AND tenant_id = %s"
