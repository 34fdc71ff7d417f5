from django.urls import path

from .consumers import AgentConsumer

websocket_urlpatterns = [path("ws/live/", AgentConsumer.as_asgi())]
