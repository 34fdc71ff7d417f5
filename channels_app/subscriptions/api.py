"""``/api/v1/webhook-subscriptions/``: managers and admins manage their tenant's subscriptions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.api.base import Pagination, TenantApi, paginated
from crm.models import Role
from crm.selectors.scoping import get_scoped
from crm.services.changes import CHANGE_TYPES

from .models import WebhookSubscription
from .services import subscription_create, subscription_delete, subscription_update


def subscription_list(*, tenant):
    return WebhookSubscription.objects.filter(tenant=tenant).order_by("pk")


def subscription_get(*, tenant, pk) -> WebhookSubscription:
    return get_scoped(WebhookSubscription.objects.select_related("tenant"), tenant=tenant, pk=pk)


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=CHANGE_TYPES), allow_empty=False, max_length=len(CHANGE_TYPES)
    )
    active = serializers.BooleanField(required=False, default=True)
    secret = serializers.CharField(write_only=True, min_length=16, max_length=200)


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    failing_since = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField()


class SubscriptionListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"*": Role.MANAGER}

    @extend_schema(responses=SubscriptionOutputSerializer(many=True))
    def get(self, request):
        qs = subscription_list(tenant=self.tenant)
        return paginated(view=self, queryset=qs, serializer_class=SubscriptionOutputSerializer)

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer})
    def post(self, request):
        serializer = SubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_create(tenant=self.tenant, **serializer.validated_data, by=self.actor)
        return Response(SubscriptionOutputSerializer(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(TenantApi):
    required_roles = {"*": Role.MANAGER}

    @extend_schema(responses=SubscriptionOutputSerializer)
    def get(self, request, pk):
        return Response(SubscriptionOutputSerializer(subscription_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=SubscriptionInputSerializer, responses=SubscriptionOutputSerializer)
    def patch(self, request, pk):
        subscription = subscription_get(tenant=self.tenant, pk=pk)
        serializer = SubscriptionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        subscription = subscription_update(subscription=subscription, changes=serializer.validated_data, by=self.actor)
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        subscription_delete(subscription=subscription_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
