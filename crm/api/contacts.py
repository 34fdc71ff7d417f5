from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from crm.models import ConsentStatus, IdentityKind, Role
from crm.selectors.contacts import contact_get, contact_list, contact_timeline
from crm.services.contacts import contact_create, contact_delete, contact_erase, contact_merge, contact_update

from .base import Pagination, TenantApi, paginated
from .fields import AttachmentOutputSerializer, IdField


class IdentitySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    address = serializers.CharField(max_length=320)


class ContactInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    identities = IdentitySerializer(many=True, required=False, default=list)
    attributes = serializers.DictField(required=False, default=dict)
    consents = serializers.DictField(child=serializers.ChoiceField(choices=ConsentStatus.choices), required=False)


class ContactOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    identities = serializers.SerializerMethodField()
    attributes = serializers.DictField()
    consents = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    erased_at = serializers.DateTimeField(allow_null=True)

    def get_identities(self, obj) -> list[dict]:
        return [{"kind": i.kind, "address": i.address} for i in obj.identities.all()]

    def get_consents(self, obj) -> dict:
        return {c.channel_kind: c.status for c in obj.consents.all()}


class ContactListApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("identity", str, description="kind:address"), OpenApiParameter("search", str)],
        responses=ContactOutputSerializer(many=True),
    )
    def get(self, request):
        filters = {k: request.query_params.get(k) for k in ("identity", "search")}
        qs = contact_list(tenant=self.tenant, filters=filters)
        return paginated(view=self, queryset=qs, serializer_class=ContactOutputSerializer)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactOutputSerializer})
    def post(self, request):
        serializer = ContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = contact_create(tenant=self.tenant, **serializer.validated_data)
        contact = contact_get(tenant=self.tenant, pk=contact.pk)
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.AGENT, "DELETE": Role.MANAGER}

    @extend_schema(responses=ContactOutputSerializer)
    def get(self, request, pk):
        return Response(ContactOutputSerializer(contact_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=ContactInputSerializer, responses=ContactOutputSerializer)
    def patch(self, request, pk):
        contact = contact_get(tenant=self.tenant, pk=pk)
        serializer = ContactInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        contact_update(tenant=self.tenant, contact=contact, **serializer.validated_data)
        return Response(ContactOutputSerializer(contact_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        contact_delete(tenant=self.tenant, contact=contact_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactMergeApi(TenantApi):
    required_roles = {"POST": Role.AGENT}

    class InputSerializer(serializers.Serializer):
        other = IdField()

    @extend_schema(request=InputSerializer, responses=ContactOutputSerializer)
    def post(self, request, pk):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = contact_get(tenant=self.tenant, pk=pk)
        other = contact_get(tenant=self.tenant, pk=serializer.validated_data["other"])
        contact_merge(tenant=self.tenant, contact=contact, other=other, by=self.actor)
        return Response(ContactOutputSerializer(contact_get(tenant=self.tenant, pk=pk)).data)


class ContactEraseApi(TenantApi):
    required_roles = {"POST": Role.MANAGER}

    @extend_schema(request=None, responses=ContactOutputSerializer)
    def post(self, request, pk):
        contact = contact_get(tenant=self.tenant, pk=pk)
        contact_erase(tenant=self.tenant, contact=contact, by=self.actor)
        return Response(ContactOutputSerializer(contact_get(tenant=self.tenant, pk=pk)).data)


class TimelineEntrySerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    channel = serializers.IntegerField(source="channel_id", allow_null=True)
    channel_kind = serializers.CharField()
    name = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()
    purpose = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    ticket = serializers.SerializerMethodField()
    properties = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    def _attr(self, obj, name):
        return getattr(obj.item, name, None)

    def get_name(self, obj) -> str | None:
        return self._attr(obj, "name")

    def get_direction(self, obj) -> str | None:
        return self._attr(obj, "direction")

    def get_purpose(self, obj) -> str | None:
        return self._attr(obj, "purpose")

    def get_text(self, obj) -> str | None:
        return self._attr(obj, "text")

    def get_ticket(self, obj) -> int | None:
        return self._attr(obj, "ticket_id")

    def get_properties(self, obj) -> dict | None:
        return self._attr(obj, "properties")

    @extend_schema_field(AttachmentOutputSerializer(many=True, allow_null=True))
    def get_attachments(self, obj) -> list | None:
        """A message's files (prefetched by the selector); ``null`` for an event."""
        if obj.type != "message":
            return None
        return AttachmentOutputSerializer(obj.item.attachments.all(), many=True).data


class TimelinePageSerializer(serializers.Serializer):
    """The timeline pages by time: ``next`` carries ``before`` (the oldest entry's time)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TimelineEntrySerializer(many=True)


class ContactTimelineApi(TenantApi):
    @extend_schema(
        parameters=[OpenApiParameter("limit", int), OpenApiParameter("before", str, description="ISO 8601")],
        responses=TimelinePageSerializer,
    )
    def get(self, request, pk):
        filters = _TimelineFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        contact = contact_get(tenant=self.tenant, pk=pk)
        entries = contact_timeline(tenant=self.tenant, contact=contact, **filters.validated_data)
        next_url = None
        if len(entries) == filters.validated_data["limit"]:
            next_url = replace_query_param(request.build_absolute_uri(), "before", entries[-1].occurred_at.isoformat())
        data = TimelineEntrySerializer(entries, many=True).data
        return Response({"next": next_url, "previous": None, "results": data})


class _TimelineFilter(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, required=False, default=100)
    before = serializers.DateTimeField(required=False)
