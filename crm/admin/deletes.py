"""Deletes from the admin (an object's delete page, the "delete selected" action) go through the
entity's service, the one place a deletion happens, as they do from the API."""

from __future__ import annotations

from .scoping import actor


class DeleteThroughService:
    """For a ``TenantScopedAdmin`` whose model has a delete service, ``delete_service``:
    ``<entity>_delete(*, tenant, <entity>, by)``, the entity named by the model."""

    delete_service = None

    def delete_model(self, request, obj):
        entity = {self.model._meta.model_name: obj}
        type(self).delete_service(tenant=obj.tenant, **entity, by=actor(request, obj.tenant_id))

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("tenant"):
            self.delete_model(request, obj)
