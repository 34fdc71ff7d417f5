from __future__ import annotations

import zoneinfo

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import ChannelKind, Language, Mode, Role
from crm.selectors.teams import sla_policy_from_input
from crm.selectors.tenants import mode_history
from crm.services.tenants import tenant_update

from .base import Pagination, TenantApi, paginated
from .fields import CountField, IdField


class ExperimentSerializer(serializers.Serializer):
    holdout_percent = serializers.IntegerField(min_value=0, max_value=100)
    started_at = serializers.DateTimeField(required=False, read_only=True)


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])


class FrequencyCapSerializer(serializers.Serializer):
    max_sends = CountField(min_value=1)
    days = serializers.IntegerField(min_value=1, max_value=365)


class TenantSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(max_length=200, required=False)
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)
    experiment = ExperimentSerializer(allow_null=True, required=False)
    episode_gap_hours = serializers.IntegerField(min_value=1, max_value=24 * 365, required=False)
    timezone = serializers.CharField(required=False)
    default_region = serializers.RegexField(r"^[A-Z]{2}$", required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    quiet_hours = QuietHoursSerializer(allow_null=True, required=False)
    frequency_cap = FrequencyCapSerializer(allow_null=True, required=False)
    fallback_order = serializers.ListField(child=serializers.ChoiceField(choices=ChannelKind.choices), required=False)
    offer_links = serializers.DictField(
        child=serializers.ListField(child=serializers.ChoiceField(choices=ChannelKind.choices)), required=False
    )
    sla_policy = IdField(allow_null=True, required=False, help_text="the SLA policy every ticket is held to")
    reassign_when_away = serializers.BooleanField(required=False)

    def validate_timezone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("unknown time zone")
        return value

    def validate_offer_links(self, value: dict) -> dict:
        unknown = [k for k in value if k not in ChannelKind.values]
        if unknown:
            raise serializers.ValidationError(f"unknown channel kinds: {unknown}")
        return value

    def to_representation(self, tenant):
        return {
            "slug": tenant.slug,
            "name": tenant.name,
            "mode": tenant.mode,
            "experiment": None
            if tenant.experiment_holdout_percent is None
            else {
                "holdout_percent": tenant.experiment_holdout_percent,
                "started_at": tenant.experiment_started_at.isoformat() if tenant.experiment_started_at else None,
            },
            "episode_gap_hours": tenant.episode_gap_hours,
            "timezone": tenant.timezone,
            "default_region": tenant.default_region,
            "language": tenant.language,
            "quiet_hours": None
            if tenant.quiet_hours_start is None
            else {
                "start": tenant.quiet_hours_start.strftime("%H:%M"),
                "end": tenant.quiet_hours_end.strftime("%H:%M"),
            },
            "frequency_cap": None
            if tenant.frequency_cap_max_sends is None
            else {
                "max_sends": tenant.frequency_cap_max_sends,
                "days": tenant.frequency_cap_days,
            },
            "fallback_order": tenant.fallback_order,
            "offer_links": tenant.offer_links,
            "sla_policy": tenant.sla_policy_id,
            "reassign_when_away": tenant.reassign_when_away,
        }

    @staticmethod
    def to_changes(data: dict) -> dict:
        """API shape → model fields (nested settings flattened)."""
        changes = {k: v for k, v in data.items() if k not in ("quiet_hours", "frequency_cap")}
        if "quiet_hours" in data:
            qh = data["quiet_hours"] or {}
            changes.update(quiet_hours_start=qh.get("start"), quiet_hours_end=qh.get("end"))
        if "frequency_cap" in data:
            cap = data["frequency_cap"] or {}
            changes.update(frequency_cap_max_sends=cap.get("max_sends"), frequency_cap_days=cap.get("days"))
        return changes


class TenantDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.MANAGER}

    @extend_schema(responses=TenantSerializer)
    def get(self, request):
        return Response(TenantSerializer(self.tenant).data)

    @extend_schema(request=TenantSerializer, responses=TenantSerializer)
    def patch(self, request):
        serializer = TenantSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = TenantSerializer.to_changes(serializer.validated_data)
        if "sla_policy" in changes:
            changes["sla_policy"] = sla_policy_from_input(tenant=self.tenant, pk=changes["sla_policy"])
        tenant = tenant_update(tenant=self.tenant, changes=changes, by=self.actor)
        return Response(TenantSerializer(tenant).data, status=status.HTTP_200_OK)


class ModeHistoryApi(TenantApi):
    pagination_class = Pagination

    class OutputSerializer(serializers.Serializer):
        mode = serializers.CharField()
        experiment = serializers.JSONField()
        changed_at = serializers.DateTimeField()
        changed_by = serializers.CharField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return paginated(view=self, queryset=mode_history(tenant=self.tenant), serializer_class=self.OutputSerializer)
