"""The audit log in the admin: read only, for managers and admins of the entry's tenant."""

from __future__ import annotations

from django.contrib import admin

from crm.models import AuditEntry, Role

from .scoping import ReadOnlyMixin, TenantScopedAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, TenantScopedAdmin):
    roles = {"view": Role.MANAGER}  # agents neither see the module nor open an entry
    list_display = ["at", "actor", "actor_role", "action", "target_type", "target_id", "summary", "address"]
    list_filter = ["action", "target_type", "actor_role"]
    search_fields = ["actor", "action", "summary", "address"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
