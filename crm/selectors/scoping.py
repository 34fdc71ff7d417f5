"""The one "get by id" for tenant-owned rows: missing and foreign ids give the same 404."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from crm.errors import NotFoundError

M = TypeVar("M", bound=Model)


def get_scoped(queryset: QuerySet[M], *, tenant, pk) -> M:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError(f"No such {queryset.model._meta.verbose_name}.") from None
    try:
        return queryset.get(tenant=tenant, pk=pk)
    except queryset.model.DoesNotExist:
        raise NotFoundError(f"No such {queryset.model._meta.verbose_name}.") from None
