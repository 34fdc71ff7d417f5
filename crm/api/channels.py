from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from crm.models import ChannelKind, Role
from crm.providers import provider_channel_status, provider_choices
from crm.selectors.teams import team_from_input
from crm.selectors.tenants import channel_get, channel_list
from crm.services.tenants import channel_create, channel_delete, channel_update

from .base import Pagination, TenantApi, paginated
from .fields import IdField


def webhook_url(channel) -> str:
    return settings.PUBLIC_BASE_URL + reverse("channels_app:webhook", kwargs={"token": channel.webhook_token})


class ProviderField(serializers.ChoiceField):
    """One of the registered providers, read from the registry when the field is used (the
    providers are connected once the apps are ready, after this module is imported)."""

    default_error_messages = {"invalid_choice": _('"{input}" is not a provider; one of: {known}.')}

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=(), **kwargs)

    def to_internal_value(self, data):
        if str(data) not in self.choice_strings_to_values:
            self.fail("invalid_choice", input=data, known=", ".join(self.choices))
        return str(data)

    @property
    def choices(self) -> dict:
        return dict(provider_choices())

    @choices.setter
    def choices(self, value) -> None:  # fixed by the registry, not by the declaration
        pass

    @property
    def grouped_choices(self) -> dict:
        return self.choices

    @property
    def choice_strings_to_values(self) -> dict:
        return {key: key for key in self.choices}


class ChannelInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    name = serializers.CharField(max_length=200)
    provider = ProviderField(default="console")
    address = serializers.CharField(max_length=320, required=False, allow_blank=True, default="")
    enabled = serializers.BooleanField(default=True)
    credentials = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, write_only=True)
    team = IdField(required=False, allow_null=True, help_text="the team that gets its new tickets")

    def team_resolved(self, tenant) -> dict:
        """The validated data with ``team`` as the tenant's team (a foreign id is a 400)."""
        data = dict(self.validated_data)
        if "team" in data:
            data["team"] = team_from_input(tenant=tenant, pk=data["team"])
        return data


class ChannelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    provider = serializers.CharField()
    address = serializers.CharField()
    enabled = serializers.BooleanField()
    team = serializers.IntegerField(source="team_id", allow_null=True)
    webhook_url = serializers.SerializerMethodField()
    credentials_set = serializers.SerializerMethodField()
    provider_status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_webhook_url(self, obj) -> str:
        return webhook_url(obj)

    def get_credentials_set(self, obj) -> list[str]:
        """Names of the credentials stored (their values are never returned)."""
        return sorted(obj.credentials)

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_provider_status(self, obj) -> dict | None:
        """What the provider reports (a mailbox: ``state`` ok|failing|never_polled, the
        server's ``error``, ``failures``, ``retry_at``, ``last_polled_at``...), or null."""
        return provider_channel_status(obj)


class ChannelListApi(TenantApi):
    pagination_class = Pagination
    required_roles = {"GET": Role.AGENT, "POST": Role.ADMIN}

    @extend_schema(responses=ChannelOutputSerializer(many=True))
    def get(self, request):
        qs = channel_list(tenant=self.tenant, filters={"kind": request.query_params.get("kind")})
        return paginated(view=self, queryset=qs, serializer_class=ChannelOutputSerializer)

    @extend_schema(request=ChannelInputSerializer, responses={201: ChannelOutputSerializer})
    def post(self, request):
        serializer = ChannelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = channel_create(tenant=self.tenant, **serializer.team_resolved(self.tenant), by=self.actor)
        return Response(ChannelOutputSerializer(channel).data, status=status.HTTP_201_CREATED)


class ChannelDetailApi(TenantApi):
    required_roles = {"GET": Role.AGENT, "PATCH": Role.ADMIN, "DELETE": Role.ADMIN}

    @extend_schema(responses=ChannelOutputSerializer)
    def get(self, request, pk):
        return Response(ChannelOutputSerializer(channel_get(tenant=self.tenant, pk=pk)).data)

    @extend_schema(request=ChannelInputSerializer, responses=ChannelOutputSerializer)
    def patch(self, request, pk):
        channel = channel_get(tenant=self.tenant, pk=pk)
        serializer = ChannelInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        channel = channel_update(channel=channel, changes=serializer.team_resolved(self.tenant), by=self.actor)
        return Response(ChannelOutputSerializer(channel).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        channel_delete(tenant=self.tenant, channel=channel_get(tenant=self.tenant, pk=pk), by=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
