from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response

from crm.api.base import TenantApi
from crm.api.messages import MessageInboundApi

from .models import FloorMessage


class FloorInsertApi(TenantApi):
    """``POST /bench/floor/``: authenticate, validate, insert one row, answer 201.

    It validates the very body ``POST /api/v1/messages/inbound/`` takes, with the same
    serializer, so the two endpoints differ only by what ingestion does with it.
    """

    InputSerializer = MessageInboundApi.InputSerializer

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = FloorMessage.objects.create(
            tenant=self.tenant,
            channel_id=data["channel"],
            from_address=data["from"],
            text=data["text"],
            subject=data["subject"],
            external_id=data["external_id"],
            occurred_at=data["occurred_at"],
        )
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)
