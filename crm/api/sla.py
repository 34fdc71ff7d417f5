"""SLA policies: targets in business minutes, business hours and holidays."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import Role
from crm.selectors.teams import sla_policy_get, sla_policy_list
from crm.services.sla import sla_policy_create, sla_policy_delete, sla_policy_update

from .base import Pagination, TenantApi, paginated
from .fields import CountField

WINDOW = serializers.ListField(child=serializers.CharField(max_length=5), min_length=2, max_length=2)


class SlaPolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    first_response_minutes = CountField(min_value=0)
    next_response_minutes = CountField(min_value=0, required=False, allow_null=True)
    resolution_minutes = CountField(min_value=0, required=False, allow_null=True)
    business_hours = serializers.DictField(
        child=serializers.ListField(child=WINDOW, max_length=24),
        required=False,
        help_text='per weekday ("mon".."sun"), local windows: {"mon": [["09:00", "18:00"]]}',
    )
    holidays = serializers.ListField(child=serializers.CharField(max_length=10), max_length=1000, required=False)


class SlaPolicyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    first_response_minutes = serializers.IntegerField()
    next_response_minutes = serializers.IntegerField(allow_null=True)
    resolution_minutes = serializers.IntegerField(allow_null=True)
    business_hours = serializers.DictField(child=serializers.ListField(child=serializers.ListField()))
    holidays = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class SlaPolicyListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"GET": Role.AGENT, "POST": Role.MANAGER}

    @extend_schema(responses=SlaPolicyOutputSerializer(many=True))
    def get(self, request):
        qs = sla_policy_list(tenant=self.tenant)
        return paginated(view=self, queryset=qs, serializer_class=SlaPolicyOutputSerializer)

    @extend_schema(request=SlaPolicyInputSerializer, responses={201: SlaPolicyOutputSerializer})
    def post(self, request):
        serializer = SlaPolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = sla_policy_create(tenant=self.tenant, **serializer.validated_data, by=self.actor)
        return Response(SlaPolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)


class SlaPolicyDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.MANAGER, "DELETE": Role.MANAGER}

    @extend_schema(responses=SlaPolicyOutputSerializer)
    def get(self, request, pk):
        return Response(SlaPolicyOutputSerializer(sla_policy_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=SlaPolicyInputSerializer, responses=SlaPolicyOutputSerializer)
    def patch(self, request, pk):
        policy = sla_policy_get(tenant=self.tenant, pk=pk)
        serializer = SlaPolicyInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = sla_policy_update(policy=policy, changes=dict(serializer.validated_data), by=self.actor)
        return Response(SlaPolicyOutputSerializer(policy).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        sla_policy_delete(tenant=self.tenant, policy=sla_policy_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
