"""The one place tenant scoping lives: every tenant-owned model inherits ``TenantOwned``."""

from __future__ import annotations

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> TenantQuerySet:
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    tenant = models.ForeignKey("crm.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
