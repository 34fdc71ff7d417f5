from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.api.fields import IdField
from crm.errors import ApplicationError, NotFoundError
from crm.models import Contact, IdentityKind
from crm.selectors.contacts import contact_get
from crm.selectors.tenants import channel_from_input
from crm.services.addresses import normalize_address
from crm.services.contacts import contact_resolve
from crm.services.events import event_record


class ContactRefField(serializers.JSONField):
    """A contact id, or ``{"kind", "address"}`` resolved (and created if new) by identity."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, dict) and set(data) == {"kind", "address"}:
            if data["kind"] not in IdentityKind.values or not isinstance(data["address"], str):
                raise serializers.ValidationError("kind must be an identity kind and address a string")
            return data
        raise serializers.ValidationError('a contact id or {"kind", "address"}')


def _contact(tenant, ref) -> Contact:
    if isinstance(ref, int):
        try:
            return contact_get(tenant=tenant, pk=ref)
        except NotFoundError:
            raise ApplicationError(f"Unknown contact {ref}.", {"contact": ["unknown contact"]}) from None
    address = normalize_address(ref["kind"], ref["address"], region=tenant.default_region, field="contact")
    return contact_resolve(tenant=tenant, kind=ref["kind"], address=address)[0]


class EventCreateApi(TenantApi):
    class InputSerializer(serializers.Serializer):
        contact = ContactRefField()
        name = serializers.CharField(max_length=100)
        channel = IdField(required=False, allow_null=True)
        properties = serializers.DictField(required=False, default=dict)
        occurred_at = serializers.DateTimeField(required=False, allow_null=True)
        idempotency_key = serializers.CharField(max_length=200, required=False, allow_null=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="event.id")
        contact = serializers.IntegerField(source="event.contact_id")
        name = serializers.CharField(source="event.name")
        channel = serializers.IntegerField(source="event.channel_id", allow_null=True)
        channel_kind = serializers.CharField(source="event.channel_kind")
        properties = serializers.DictField(source="event.properties")
        occurred_at = serializers.DateTimeField(source="event.occurred_at")
        idempotency_key = serializers.CharField(source="event.idempotency_key", allow_null=True)
        duplicate = serializers.SerializerMethodField()
        enrolled = serializers.ListField(child=serializers.IntegerField())

        def get_duplicate(self, obj) -> bool:
            return not obj.created

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        channel = channel_from_input(tenant=self.tenant, pk=data["channel"]) if data.get("channel") else None
        with transaction.atomic():
            result = event_record(
                tenant=self.tenant,
                contact=_contact(self.tenant, data["contact"]),
                name=data["name"],
                channel=channel,
                properties=data["properties"],
                occurred_at=data.get("occurred_at"),
                idempotency_key=data.get("idempotency_key"),
            )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(self.OutputSerializer(result).data, status=code)
