"""Under ``/webhooks/<token>/``: the widget of a ``widget`` channel (included by
``channels_app.urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("widget.js", views.widget_script, name="widget-script"),
    path("widget/session", views.widget_session, name="widget-session"),
    path("widget/messages", views.widget_message, name="widget-messages"),
    path("widget/poll", views.widget_poll, name="widget-poll"),
    path("widget/seen", views.widget_seen, name="widget-seen"),
]
