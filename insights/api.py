"""``GET /api/v1/comparison/``: the report of metrics.md for the API key's tenant."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.errors import ApplicationError

from .metrics.comparison import comparison_report, default_period


class ComparisonApi(TenantApi):
    class FilterSerializer(serializers.Serializer):
        start = serializers.DateTimeField(required=False)
        end = serializers.DateTimeField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="ISO 8601; default 30 days before end"),
            OpenApiParameter("end", str, description="ISO 8601, exclusive; default now"),
        ],
        responses={200: dict},
        summary="Comparison of the three policies (metrics.md)",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        start, end = default_period(start=filters.validated_data.get("start"), end=filters.validated_data.get("end"))
        if start >= end:
            raise ApplicationError("start must be before end.", {"start": ["must be before end"]})
        return Response(comparison_report(tenant=self.tenant, start=start, end=end))
