from django.urls import path

from . import api

urlpatterns = [
    path("comparison/", api.ComparisonApi.as_view(), name="comparison"),
    path("comparison/plan/", api.ComparisonPlanApi.as_view(), name="comparison-plan"),
]
