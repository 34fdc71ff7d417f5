from django.urls import include, path

from . import webhooks

app_name = "channels_app"

urlpatterns = [
    path("<str:token>/", webhooks.channel_webhook, name="webhook"),
    path("<str:token>/", include("channels_app.widget.urls")),
]
