from __future__ import annotations

from django.db.models import QuerySet

from crm.errors import ApplicationError
from crm.filters import ChannelFilter, filtered
from crm.models import Channel, ModeChange, Tenant

from .scoping import get_scoped


def mode_history(*, tenant: Tenant) -> QuerySet[ModeChange]:
    return ModeChange.objects.filter(tenant=tenant).order_by("changed_at", "pk")


def channel_list(*, tenant: Tenant, filters: dict | None = None) -> QuerySet[Channel]:
    """In creation order; ``filters``: ``kind``."""
    return filtered(ChannelFilter, filters, Channel.objects.filter(tenant=tenant).order_by("pk"))


def channel_get(*, tenant: Tenant, pk) -> Channel:
    return get_scoped(Channel.objects.all(), tenant=tenant, pk=pk)


def channel_from_input(*, tenant: Tenant, pk, field: str = "channel") -> Channel:
    """A channel named in a request body: an unknown or foreign id is a 400 on that field.

    Every pushed inbound message names its channel, so this lookup is a written statement
    (``Manager.raw``, converted as the ORM converts): compiling the equivalent queryset costs
    the request more than the database does."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = None
    found = None
    if number is not None and 0 < number < 2**63:  # beyond, no row can match (the column is a bigint)
        found = next(iter(Channel.objects.raw(_CHANNEL_BY_ID, [number, tenant.pk])), None)
    if found is None:
        _kinds.pop((tenant.pk, number), None)
        raise ApplicationError(f"Unknown channel {pk!r}.", {field: ["unknown channel"]})
    _remember(found)
    return found


def channel_reference(*, tenant: Tenant, pk) -> tuple[Channel, bool]:
    """The channel a pushed message names, and whether it was read from the database.

    When this process has read that channel before, a reference (its id, tenant and the kind it
    had) without a query: ingestion checks it in its own statement and reads the channel
    itself if it changed (``InboundMessage.channel_read``). Otherwise ``channel_from_input``.
    """
    if isinstance(pk, int) and (kind := _kinds.get((tenant.pk, pk))) is not None:
        return Channel(pk=pk, tenant=tenant, kind=kind, enabled=True), False
    return channel_from_input(tenant=tenant, pk=pk), True


#: the kind of each channel this process has read, by (tenant id, channel id): a hint only
_kinds: dict[tuple[int, int], str] = {}
_KINDS_KEPT = 10_000


def _remember(channel: Channel) -> None:
    if len(_kinds) >= _KINDS_KEPT:
        _kinds.clear()
    _kinds[(channel.tenant_id, channel.pk)] = channel.kind


_CHANNEL_BY_ID = f"SELECT * FROM {Channel._meta.db_table} WHERE id = %s AND tenant_id = %s"
