"""``GET /api/v1/comparison/``: the report of metrics.md for the API key's tenant, from the
stored report the dashboard shows (computed now when missing or stale); ``?format=csv`` gives
the table of docs/metrics.md ("CSV")."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.errors import ApplicationError

from .metrics.comparison import default_period
from .metrics.plan import METRICS as PLAN_METRICS
from .metrics.plan import experiment_plan
from .reports.services import report_answer
from .reports.table import as_csv


class CsvRenderer(renderers.BaseRenderer):
    """The report as the CSV table; errors stay JSON (``application/json``)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return renderers.JSONRenderer().render(data)
        return as_csv(data).encode(self.charset)


class ComparisonApi(TenantApi):
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    class FilterSerializer(serializers.Serializer):
        start = serializers.DateTimeField(required=False)
        end = serializers.DateTimeField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="ISO 8601; default 30 days before end"),
            OpenApiParameter("end", str, description="ISO 8601, exclusive; default now"),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv: one row per metric and mode"),
        ],
        responses={200: OpenApiResponse(dict, description="the report (JSON) or its table (text/csv)")},
        summary="Comparison of the three policies (metrics.md)",
    )
    def get(self, request, format=None):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        start, end = default_period(start=filters.validated_data.get("start"), end=filters.validated_data.get("end"))
        if start >= end:
            raise ApplicationError("start must be before end.", {"start": ["must be before end"]})
        return Response(report_answer(tenant=self.tenant, start=start, end=end).data)


class ComparisonPlanApi(TenantApi):
    """``GET /api/v1/comparison/plan/?metric=&mde=``: the contacts and weeks an experiment
    needs at this tenant's volume (insights/metrics/plan.py)."""

    class PlanSerializer(serializers.Serializer):
        metric = serializers.ChoiceField(choices=sorted(PLAN_METRICS))
        mde = serializers.FloatField(help_text="the absolute difference to detect, in the metric's unit")

        def validate_mde(self, value: float) -> float:
            if not value > 0 or value != value or value == float("inf"):
                raise serializers.ValidationError("must be a number above 0")
            return value

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", str, required=True, enum=sorted(PLAN_METRICS)),
            OpenApiParameter("mde", float, required=True, description="absolute difference, in the metric's unit"),
        ],
        responses={200: dict},
        summary="Sample an experiment needs (80% power, 5% two-sided)",
    )
    def get(self, request):
        query = self.PlanSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if PLAN_METRICS[data["metric"]][0] == "rate" and data["mde"] >= 1:
            raise ApplicationError("A rate's difference is below 1.", {"mde": ["below 1 for a rate"]})
        return Response(experiment_plan(tenant=self.tenant, metric=data["metric"], mde=data["mde"]))
