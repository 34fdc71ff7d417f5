from django.urls import path

from . import webhooks

app_name = "channels_app"

urlpatterns = [
    path("<str:token>/", webhooks.channel_webhook, name="webhook"),
]
