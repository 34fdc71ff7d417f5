from __future__ import annotations

from django.db.models import QuerySet

from crm.models import AuditEntry, Tenant


def audit_log(*, tenant: Tenant) -> QuerySet[AuditEntry]:
    """The tenant's audit log, newest first (served by the ``(tenant, at)`` index)."""
    return AuditEntry.objects.filter(tenant=tenant).order_by("-at", "-pk")
