"""``GET /search/?q=``: contacts, tickets and messages of the key's tenant."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from crm.selectors.search import search

from .base import TenantApi
from .contacts import ContactOutputSerializer
from .fields import MessageOutputSerializer, TicketOutputSerializer


class SearchHitSerializer(MessageOutputSerializer):
    highlight = serializers.CharField(help_text="the matching passage: HTML-escaped text, matches in <mark>")

    class Meta(MessageOutputSerializer.Meta):
        fields = [*MessageOutputSerializer.Meta.fields, "highlight"]


class SearchApi(TenantApi):
    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(
            default="", allow_blank=True, help_text="words, a phone number (national format too) or an e-mail address"
        )
        page = serializers.IntegerField(min_value=1, max_value=100, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=50, default=20)

    class OutputSerializer(serializers.Serializer):
        contacts = ContactOutputSerializer(many=True)
        tickets = TicketOutputSerializer(many=True)
        messages = SearchHitSerializer(many=True)
        page = serializers.IntegerField()
        more = serializers.DictField(child=serializers.BooleanField(), help_text="per section: a next page exists")

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request):
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page, size = params.validated_data["page"], params.validated_data["page_size"]
        found = search(tenant=self.tenant, q=params.validated_data["q"], page=page, limit=size)
        messages = []
        for hit in found.messages:
            hit.message.highlight = hit.highlight
            messages.append(hit.message)
        data = {"contacts": found.contacts, "tickets": found.tickets, "messages": messages, "page": page}
        return Response(self.OutputSerializer({**data, "more": found.more}).data)
