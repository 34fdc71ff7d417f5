"""The audit log, for managers and admins of the API key's tenant."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from crm.models import Role
from crm.selectors.audit import audit_log

from .base import Pagination, TenantApi, paginated


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="staff:<username>, api-key:<prefix> (<label>) or a command's name")
    actor_role = serializers.CharField(help_text="the actor's role in the tenant; empty for a command")
    action = serializers.CharField(help_text="<object type>.<verb>, e.g. contact.erase, api_key.revoke")
    target_type = serializers.CharField(help_text="app_label.model_name of the object acted on")
    target_id = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField(help_text="what changed; never a secret or a customer's personal data")
    address = serializers.IPAddressField(allow_null=True, help_text="the client's IP address")


class AuditLogApi(TenantApi):
    required_roles = {"GET": Role.MANAGER}
    pagination_class = Pagination

    @extend_schema(
        summary="Audit log",
        description="Who changed what and from where: mode and experiment switches, merges, erasures, "
        "deletions, API keys created and revoked, channel credentials changed. Newest first; managers "
        "and admins only (an agent's key gets 403).",
        responses=AuditEntrySerializer(many=True),
    )
    def get(self, request):
        return paginated(view=self, queryset=audit_log(tenant=self.tenant), serializer_class=AuditEntrySerializer)
