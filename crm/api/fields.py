"""Output serializers shared by several endpoints (messages and tickets appear in many)."""

from __future__ import annotations

from rest_framework import serializers

from crm.models import Message, Ticket


class MessageOutputSerializer(serializers.ModelSerializer):
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)
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
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TicketOutputSerializer(serializers.ModelSerializer):
    channels = serializers.SerializerMethodField()
    linked_tickets = serializers.SerializerMethodField()

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
        ]

    def get_channels(self, obj) -> list[int]:
        return [c.pk for c in obj.channels.all()]

    def get_linked_tickets(self, obj) -> list[int]:
        return [t.pk for t in obj.linked.all()]
