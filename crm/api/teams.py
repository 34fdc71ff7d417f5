"""Teams (members, assignment rule, cap) and staff availability."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import Assignment, Availability, Role
from crm.selectors.teams import team_get, team_list
from crm.services.teams import availability_set, team_create, team_delete, team_update

from .base import Pagination, TenantApi, paginated
from .fields import CountField, IdField


class TeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    members = serializers.ListField(child=IdField(), max_length=1000, default=list)
    assignment = serializers.ChoiceField(choices=Assignment.choices, default=Assignment.MANUAL)
    max_open_per_agent = CountField(min_value=1, required=False, allow_null=True)


class TeamOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.SerializerMethodField()
    assignment = serializers.CharField()
    max_open_per_agent = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_members(self, obj) -> list[int]:
        return [m.user_id for m in obj.memberships.all()]


class TeamListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"GET": Role.AGENT, "POST": Role.MANAGER}

    @extend_schema(responses=TeamOutputSerializer(many=True))
    def get(self, request):
        return paginated(view=self, queryset=team_list(tenant=self.tenant), serializer_class=TeamOutputSerializer)

    @extend_schema(request=TeamInputSerializer, responses={201: TeamOutputSerializer})
    def post(self, request):
        serializer = TeamInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = team_create(tenant=self.tenant, **serializer.validated_data, by=self.actor)
        return Response(TeamOutputSerializer(team_get(tenant=self.tenant, pk=team.pk)).data, status=201)


class TeamDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.MANAGER, "DELETE": Role.MANAGER}

    @extend_schema(responses=TeamOutputSerializer)
    def get(self, request, pk):
        return Response(TeamOutputSerializer(team_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=TeamInputSerializer, responses=TeamOutputSerializer)
    def patch(self, request, pk):
        team = team_get(tenant=self.tenant, pk=pk)
        serializer = TeamInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        team_update(team=team, changes=dict(serializer.validated_data), by=self.actor)
        return Response(TeamOutputSerializer(team_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        team_delete(tenant=self.tenant, team=team_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvailabilityApi(TenantApi):
    """A staff member's availability in the key's tenant (managers and admins). Staff set their
    own from the dashboards' header (``dashboard:availability``)."""

    required_roles = {"PUT": Role.MANAGER}

    class InputSerializer(serializers.Serializer):
        user = IdField()
        availability = serializers.ChoiceField(choices=Availability.choices)

    class OutputSerializer(serializers.Serializer):
        user = serializers.IntegerField()
        availability = serializers.CharField()
        reassigned = serializers.ListField(child=serializers.IntegerField(), help_text="the tickets handed on")

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def put(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moved = availability_set(tenant=self.tenant, user_id=data["user"], availability=data["availability"])
        return Response({"user": data["user"], "availability": data["availability"], "reassigned": moved})
