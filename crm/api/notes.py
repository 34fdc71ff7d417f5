"""Internal notes on a ticket: between agents, never sent to the customer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.selectors.notes import ticket_notes
from crm.selectors.tickets import ticket_get
from crm.services.notes import NOTE_MAX, note_create

from .base import Pagination, TenantApi, paginated


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = serializers.CharField()
    mentions = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_mentions(self, obj) -> list[int]:
        """The ids of the staff members the note mentions (``@username``)."""
        return [m.user_id for m in obj.mention_rows.all()]


class TicketNotesApi(TenantApi):
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=NOTE_MAX)

    @extend_schema(responses=NoteOutputSerializer(many=True))
    def get(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        qs = ticket_notes(tenant=self.tenant, ticket=ticket)
        return paginated(view=self, queryset=qs, serializer_class=NoteOutputSerializer)

    @extend_schema(request=InputSerializer, responses={201: NoteOutputSerializer})
    def post(self, request, pk):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        note = note_create(
            tenant=self.tenant, ticket=ticket, text=serializer.validated_data["text"], author=self.actor.name
        )
        note = ticket_notes(tenant=self.tenant, ticket=ticket).get(pk=note.pk)
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)
