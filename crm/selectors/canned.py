"""Reads of canned responses."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from crm.models import CannedResponse, Tenant

from .scoping import get_scoped


def canned_list(*, tenant: Tenant, language: str = "", prefix: str = "") -> QuerySet[CannedResponse]:
    """By shortcut; with ``language``, that language's and the language-free ones, that
    language first; with ``prefix``, the shortcuts that start with it."""
    qs = CannedResponse.objects.filter(tenant=tenant)
    if prefix:
        qs = qs.filter(shortcut__istartswith=prefix)
    if language:
        qs = qs.filter(language__in=[language, ""])
        first = Case(When(language=language, then=Value(0)), default=Value(1), output_field=IntegerField())
        return qs.order_by("shortcut", first, "pk")
    return qs.order_by("shortcut", "language", "pk")


def canned_get(*, tenant: Tenant, pk) -> CannedResponse:
    return get_scoped(CannedResponse.objects.all(), tenant=tenant, pk=pk)
