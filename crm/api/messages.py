from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.selectors.tenants import channel_reference
from crm.selectors.tickets import message_get
from crm.services.messages import InboundMessage, message_ingest

from .base import TenantApi
from .fields import AttachmentInputSerializer, IdField, MessageOutputSerializer, attachments_input


class MessageInboundApi(TenantApi):
    """Integrators push messages received elsewhere; ``external_id`` makes it idempotent."""

    body_limit_setting = "ATTACHMENTS_MAX_REQUEST_BYTES"  # files come as base64

    class InputSerializer(serializers.Serializer):
        channel = IdField()
        from_ = serializers.CharField(max_length=320)
        text = serializers.CharField(allow_blank=True, max_length=100_000)
        subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=998)
        external_id = serializers.CharField(required=False, allow_null=True, default=None, max_length=255)
        in_reply_to = serializers.CharField(required=False, allow_blank=True, default="", max_length=998)
        occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        attachments = AttachmentInputSerializer(many=True, required=False)

        def get_fields(self):
            fields = super().get_fields()
            fields["from"] = fields.pop("from_")
            return fields

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="message.pk")
        ticket = serializers.IntegerField(source="message.ticket_id")
        contact = serializers.IntegerField(source="message.contact_id")
        duplicate = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        files = attachments_input(data.get("attachments", []))
        channel, read = channel_reference(tenant=self.tenant, pk=data["channel"])
        inbound = InboundMessage(
            channel=channel,
            channel_read=read,
            from_address=data["from"],
            text=data["text"],
            subject=data["subject"],
            external_id=data["external_id"],
            in_reply_to=data["in_reply_to"],
            occurred_at=data["occurred_at"],
            profile_name=data["name"],
            attachments=tuple(files),
        )
        result = message_ingest(tenant=self.tenant, inbound=inbound)
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(self.OutputSerializer(result).data, status=code)


class MessageDetailApi(TenantApi):
    @extend_schema(responses=MessageOutputSerializer)
    def get(self, request, pk):
        return Response(MessageOutputSerializer(message_get(tenant=self.tenant, pk=pk)).data)
