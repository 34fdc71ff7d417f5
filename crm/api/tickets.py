from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.errors import ApplicationError, NotFoundError
from crm.models import Membership, TicketStatus
from crm.models.tickets import Priority
from crm.selectors.canned import canned_get
from crm.selectors.tenants import channel_from_input
from crm.selectors.tickets import ticket_context, ticket_get, ticket_list, ticket_messages
from crm.services.canned import canned_render
from crm.services.messages import ticket_reply
from crm.services.tickets import ticket_update

from .base import Pagination, TenantApi, paginated
from .fields import (
    AttachmentInputSerializer,
    IdField,
    MessageOutputSerializer,
    TicketOutputSerializer,
    attachments_input,
)


class TicketListApi(TenantApi):
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        contact = IdField(required=False)
        channel = IdField(required=False)
        status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
        mode = serializers.CharField(required=False)
        assignee = IdField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=TicketOutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = ticket_list(tenant=self.tenant, filters=filters.validated_data)
        return paginated(view=self, queryset=qs, serializer_class=TicketOutputSerializer)


class TicketDetailApi(TenantApi):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
        assignee = IdField(required=False, allow_null=True)
        priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    @extend_schema(responses=TicketOutputSerializer)
    def get(self, request, pk):
        return Response(TicketOutputSerializer(ticket_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=InputSerializer, responses=TicketOutputSerializer)
    def patch(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            data.update(assignee=self._staff(data["assignee"]), assignee_set=True)
        ticket_update(ticket=ticket, survey=True, **data)
        return Response(TicketOutputSerializer(ticket_get(tenant=self.tenant, pk=pk)).data)

    def _staff(self, user_id):
        if user_id is None:
            return None
        if not Membership.objects.filter(tenant=self.tenant, user_id=user_id).exists():
            raise ApplicationError(
                "The assignee is not a staff member of this tenant.", {"assignee": ["unknown staff member"]}
            )
        return get_user_model().objects.get(pk=user_id)


class TicketMessagesApi(TenantApi):
    pagination_class = Pagination

    @extend_schema(responses=MessageOutputSerializer(many=True))
    def get(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        qs = ticket_messages(tenant=self.tenant, ticket=ticket)
        return paginated(view=self, queryset=qs, serializer_class=MessageOutputSerializer)


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    channel = serializers.IntegerField(source="channel_id", allow_null=True)
    channel_kind = serializers.CharField()
    properties = serializers.DictField()
    occurred_at = serializers.DateTimeField()


class TicketContextApi(TenantApi):
    class OutputSerializer(serializers.Serializer):
        mode = serializers.CharField()
        messages = MessageOutputSerializer(many=True)
        events = EventOutputSerializer(many=True)
        linked_tickets = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(parameters=[OpenApiParameter("limit", int)], responses=OutputSerializer)
    def get(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        return Response(self.OutputSerializer(ticket_context(tenant=self.tenant, ticket=ticket)).data)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Optional, up to 255 printable ASCII characters, unique per request (a UUID). A request sent "
        "again with the same key (after a timeout, a 5xx, a 503) answers 202 with the reply first "
        "queued and queues nothing; the key with another ticket or body is 422. Keys are kept with "
        "the reply."
    ),
)


class TicketReplyApi(TenantApi):
    body_limit_setting = "ATTACHMENTS_MAX_REQUEST_BYTES"  # files come as base64

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=100_000, required=False)
        canned = IdField(
            required=False, help_text="A canned response to send instead of text, its variables filled in."
        )
        channel = IdField(required=False, allow_null=True)
        subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=998)
        attachments = AttachmentInputSerializer(many=True, required=False)
        #: an approved WhatsApp template instead of ``text`` (the only message outside the
        #: 24-hour window): its name, language and body parameters
        template = serializers.CharField(required=False, max_length=512)
        language = serializers.CharField(required=False, max_length=16)
        params = serializers.ListField(
            child=serializers.CharField(max_length=1024, allow_blank=True), required=False, max_length=20
        )

        def validate(self, attrs):
            if "template" in attrs:
                if "language" not in attrs:
                    raise serializers.ValidationError({"language": ["required with a template"]})
                if "canned" in attrs:
                    raise serializers.ValidationError({"canned": ["give either a template or canned"]})
                return attrs
            if ("text" in attrs) == ("canned" in attrs):
                raise serializers.ValidationError({"text": ["give either text or canned"]})
            return attrs

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: MessageOutputSerializer, 422: OpenApiResponse(description="Idempotency-Key reused")},
    )
    def post(self, request, pk):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        files = attachments_input(data.get("attachments", []))
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        channel = channel_from_input(tenant=self.tenant, pk=data["channel"]) if data.get("channel") else None
        message = ticket_reply(
            tenant=self.tenant,
            ticket=ticket,
            text=data["text"]
            if "text" in data
            else ("" if "template" in data else self._canned_text(data["canned"], ticket)),
            channel=channel,
            author=self.actor,
            subject=data["subject"],
            idempotency_key=idempotency_key(request),
            attachments=files,
            template=_template(data),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    def _canned_text(self, canned_id: int, ticket) -> str:
        """The canned response's text for this ticket; the agent's name is the API key's label."""
        try:
            canned = canned_get(tenant=self.tenant, pk=canned_id)
        except NotFoundError:
            raise ApplicationError("Unknown canned response.", {"canned": ["unknown canned response"]}) from None
        return canned_render(canned=canned, ticket=ticket, agent_name=self.request.auth.label)


def _template(data: dict) -> dict | None:
    if "template" not in data:
        return None
    return {"name": data["template"], "language": data["language"], "params": data.get("params", [])}


def idempotency_key(request) -> str | None:
    """The request's ``Idempotency-Key`` header, ``None`` when absent; 400 when malformed."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 0 < len(key) <= 255 or not all(" " <= c <= "~" for c in key):
        raise ApplicationError(
            "Invalid Idempotency-Key header.", {"Idempotency-Key": ["1 to 255 printable ASCII characters"]}
        )
    return key
