"""The one place tenant scoping lives: every tenant-owned model inherits ``TenantOwned``."""

from __future__ import annotations

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> TenantQuerySet:
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """A row of one tenant. The tenant column gets no index of its own: every tenant-owned
    model declares indexes that start with it (the queries of the product are per tenant, and
    sharding by tenant follows them), so a single-column one would only cost every write
    (``tests/crm/test_schema.py`` holds every model to it)."""

    tenant = models.ForeignKey("crm.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
