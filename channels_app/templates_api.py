"""``GET /channels/{id}/templates/`` and ``POST /channels/{id}/templates/sync/``: a WhatsApp
channel's approved-message templates, as last synced from its provider."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.base import Pagination, TenantApi, paginated
from crm.models import Role
from crm.selectors.tenants import channel_get

from .services.templates import template_list, template_sync


class TemplateOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField()
    parameters = serializers.ListField(child=serializers.CharField())
    body = serializers.CharField()
    synced_at = serializers.DateTimeField()


class ChannelTemplatesApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=TemplateOutputSerializer(many=True))
    def get(self, request, pk):
        channel = channel_get(tenant=self.tenant, pk=pk)
        return paginated(view=self, queryset=template_list(channel=channel), serializer_class=TemplateOutputSerializer)


class ChannelTemplatesSyncApi(TenantApi):
    required_roles = {"POST": Role.MANAGER}

    @extend_schema(request=None, responses=TemplateOutputSerializer(many=True))
    def post(self, request, pk):
        templates = template_sync(channel=channel_get(tenant=self.tenant, pk=pk))
        return Response(TemplateOutputSerializer(templates, many=True).data)
