"""Canned responses: the tenant's shared ready-made replies."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import Role
from crm.selectors.canned import canned_get, canned_list
from crm.services.canned import canned_create, canned_delete, canned_update

from .base import Pagination, TenantApi, paginated

LANGUAGES = [("", "any"), *settings.LANGUAGES]


class CannedInputSerializer(serializers.Serializer):
    shortcut = serializers.SlugField(max_length=50)
    title = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=20_000)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="")


class CannedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shortcut = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    language = serializers.CharField()


class CannedListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"GET": Role.AGENT, "POST": Role.MANAGER}

    class FilterSerializer(serializers.Serializer):
        language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="")
        shortcut = serializers.CharField(required=False, default="", max_length=50)

    @extend_schema(parameters=[FilterSerializer], responses=CannedOutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = canned_list(tenant=self.tenant, language=data["language"], prefix=data["shortcut"])
        return paginated(view=self, queryset=qs, serializer_class=CannedOutputSerializer)

    @extend_schema(request=CannedInputSerializer, responses={201: CannedOutputSerializer})
    def post(self, request):
        serializer = CannedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        canned = canned_create(tenant=self.tenant, **serializer.validated_data)
        return Response(CannedOutputSerializer(canned).data, status=status.HTTP_201_CREATED)


class CannedDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.MANAGER, "DELETE": Role.MANAGER}

    @extend_schema(responses=CannedOutputSerializer)
    def get(self, request, pk):
        return Response(CannedOutputSerializer(canned_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=CannedInputSerializer, responses=CannedOutputSerializer)
    def patch(self, request, pk):
        canned = canned_get(tenant=self.tenant, pk=pk)
        serializer = CannedInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        canned = canned_update(canned=canned, **serializer.validated_data)
        return Response(CannedOutputSerializer(canned).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        canned_delete(tenant=self.tenant, canned=canned_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
