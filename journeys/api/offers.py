from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.api.fields import IdField
from crm.errors import ApplicationError, NotFoundError
from crm.selectors.contacts import contact_get
from crm.selectors.tenants import channel_from_input

from ..services.offers import offer_issue, offer_redeem


class OfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    code = serializers.CharField()
    issued_channel = serializers.IntegerField(source="issued_channel_id")
    issued_kind = serializers.CharField()
    description = serializers.CharField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    redeemed_at = serializers.DateTimeField(allow_null=True)
    redeemed_channel = serializers.IntegerField(source="redeemed_channel_id", allow_null=True)


class OfferCreateApi(TenantApi):
    class InputSerializer(serializers.Serializer):
        contact = IdField()
        issued_channel = IdField()
        code = serializers.RegexField(r"^[A-Za-z0-9_-]{4,64}$", required=False)
        description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        expires_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: OfferOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            data["contact"] = contact_get(tenant=self.tenant, pk=data["contact"])
        except NotFoundError:
            raise ApplicationError("Unknown contact.", {"contact": ["unknown contact"]}) from None
        data["channel"] = channel_from_input(tenant=self.tenant, pk=data.pop("issued_channel"), field="issued_channel")
        offer = offer_issue(tenant=self.tenant, **data)
        return Response(OfferOutputSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferRedeemApi(TenantApi):
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=64)
        channel = IdField()

    class OutputSerializer(serializers.Serializer):
        accepted = serializers.BooleanField()
        reason = serializers.CharField()
        offer = serializers.IntegerField(source="offer_id")
        mode = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = channel_from_input(tenant=self.tenant, pk=serializer.validated_data["channel"])
        redemption = offer_redeem(tenant=self.tenant, code=serializer.validated_data["code"], channel=channel)
        return Response(self.OutputSerializer(redemption).data)
