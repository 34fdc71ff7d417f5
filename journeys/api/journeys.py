from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.api.base import Pagination, TenantApi, paginated
from crm.models import Role

from ..selectors import journey_get, journey_list, journey_stats
from ..services.journeys import journey_create, journey_delete, journey_update


class JourneyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    trigger_event = serializers.CharField(max_length=100)
    goal_event = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)
    steps = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=50)


class JourneyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    trigger_event = serializers.CharField()
    goal_event = serializers.CharField()
    active = serializers.BooleanField()
    steps = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()


class JourneyListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"GET": Role.AGENT, "POST": Role.MANAGER}

    @extend_schema(responses=JourneyOutputSerializer(many=True))
    def get(self, request):
        return paginated(view=self, queryset=journey_list(tenant=self.tenant), serializer_class=JourneyOutputSerializer)

    @extend_schema(request=JourneyInputSerializer, responses={201: JourneyOutputSerializer})
    def post(self, request):
        serializer = JourneyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        journey = journey_create(tenant=self.tenant, **serializer.validated_data)
        return Response(JourneyOutputSerializer(journey).data, status=status.HTTP_201_CREATED)


class JourneyDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.MANAGER, "PUT": Role.MANAGER, "DELETE": Role.MANAGER}

    @extend_schema(responses=JourneyOutputSerializer)
    def get(self, request, pk):
        return Response(JourneyOutputSerializer(journey_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=JourneyInputSerializer, responses=JourneyOutputSerializer)
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(request=JourneyInputSerializer, responses=JourneyOutputSerializer)
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    def _update(self, request, pk, *, partial: bool):
        journey = journey_get(tenant=self.tenant, pk=pk)
        serializer = JourneyInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        journey = journey_update(journey=journey, changes=serializer.validated_data)
        return Response(JourneyOutputSerializer(journey).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        journey_delete(tenant=self.tenant, journey=journey_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JourneyStatsApi(TenantApi):
    class OutputSerializer(serializers.Serializer):
        enrolled = serializers.IntegerField()
        active = serializers.IntegerField()
        converted = serializers.IntegerField()
        exited = serializers.IntegerField()
        completed = serializers.IntegerField()
        sent = serializers.DictField(child=serializers.IntegerField())
        suppressed = serializers.DictField(child=serializers.IntegerField())
        steps = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=OutputSerializer)
    def get(self, request, pk):
        journey = journey_get(tenant=self.tenant, pk=pk)
        return Response(self.OutputSerializer(journey_stats(tenant=self.tenant, journey=journey)).data)
