"""The REST endpoints of channels_app, under ``/api/v1/``."""

from django.urls import include, path

from . import templates_api

urlpatterns = [
    path("", include("channels_app.subscriptions.urls")),
    path("channels/<int:pk>/templates/", templates_api.ChannelTemplatesApi.as_view(), name="channel-templates"),
    path(
        "channels/<int:pk>/templates/sync/",
        templates_api.ChannelTemplatesSyncApi.as_view(),
        name="channel-templates-sync",
    ),
]
