"""Output serializers shared by several endpoints (messages and tickets appear in many)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.models import Attachment, AttachmentStatus, Message, SlaTarget, Ticket
from crm.services.attachments import IncomingAttachment, attachment_url, attachments_check, base64_decode
from crm.services.sla import sla_view


class AttachmentOutputSerializer(serializers.ModelSerializer):
    """A file of a message; ``url`` serves it to the same API authentication (``null`` until
    stored: ``status`` ``pending`` while a provider's media is fetched, ``failed`` with ``error``)."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "url", "status", "error"]

    def get_url(self, obj) -> str | None:
        return attachment_url(obj) if obj.status == AttachmentStatus.STORED else None


class AttachmentInputSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")
    content_type = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")
    content_base64 = serializers.CharField(trim_whitespace=False)


def attachments_input(items: list[dict], *, field: str = "attachments") -> list[IncomingAttachment]:
    """The validated ``attachments`` of a request body, decoded and checked before anything is
    written: malformed base64 or a refused file is a 400, a file over the limits a 413."""
    decoded = [
        IncomingAttachment(
            filename=item["filename"],
            content_type=item["content_type"],
            content=base64_decode(item["content_base64"], where=f"{field}[{i}].content_base64"),
        )
        for i, item in enumerate(items)
    ]
    attachments_check(decoded, field=field)
    return decoded


class MessageOutputSerializer(serializers.ModelSerializer):
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)
    attachments = AttachmentOutputSerializer(many=True, read_only=True)
    to = serializers.CharField(source="to_address")
    from_ = serializers.CharField(source="from_address")

    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "contact",
            "channel",
            "channel_kind",
            "direction",
            "purpose",
            "status",
            "error",
            "subject",
            "text",
            "from_",
            "to",
            "external_id",
            "in_reply_to",
            "parent",
            "author",
            "attempts",
            "occurred_at",
            "created_at",
            "sent_at",
            "delivered_at",
            "read_at",
            "attachments",
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class SlaSerializer(serializers.Serializer):
    first_response_due = serializers.DateTimeField(allow_null=True)
    next_response_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)
    breached = serializers.ListField(
        child=serializers.ChoiceField(choices=SlaTarget.choices), help_text="met late, or overdue now"
    )


class TicketOutputSerializer(serializers.ModelSerializer):
    channels = serializers.SerializerMethodField()
    linked_tickets = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "contact",
            "channel",
            "channels",
            "status",
            "mode",
            "subject",
            "linked_tickets",
            "assignee",
            "priority",
            "created_at",
            "last_message_at",
            "first_response_at",
            "resolved_at",
            "sla",
        ]

    @extend_schema_field(SlaSerializer(allow_null=True))
    def get_sla(self, obj) -> dict | None:
        view = sla_view(ticket=obj)
        return None if view is None else SlaSerializer(view).data

    def get_channels(self, obj) -> list[int]:
        return [c.pk for c in obj.channels.all()]

    def get_linked_tickets(self, obj) -> list[int]:
        return [t.pk for t in obj.linked.all()]


#: the largest values the integer columns hold (``IntegerField``/``PositiveIntegerField``, ids)
INT32_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row id in a request body or query string: past a bigint column it is a 400 on the
    field, never a database overflow."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class CountField(serializers.IntegerField):
    """A number stored in a 32-bit integer column (a cap, a count of days...)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_value", INT32_MAX)
        kwargs.setdefault("min_value", -INT32_MAX - 1)
        super().__init__(**kwargs)
