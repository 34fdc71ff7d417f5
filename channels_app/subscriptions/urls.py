from django.urls import path

from . import api

urlpatterns = [
    path("webhook-subscriptions/", api.SubscriptionListApi.as_view(), name="webhook-subscriptions"),
    path("webhook-subscriptions/<int:pk>/", api.SubscriptionDetailApi.as_view(), name="webhook-subscription"),
]
