"""Staff dashboards (``/dashboard/``), one ``dashboard`` namespace over the pages of every app;
``/`` leads there."""

from django.urls import path
from django.views.generic import RedirectView

from crm.dashboard_urls import urlpatterns as crm_pages
from insights.views.comparison import ComparisonRefreshView, ComparisonStatusView, ComparisonView
from insights.views.journeys import JourneyListView
from insights.views.plan import PlanView
from journeys.views import JourneyView

app_name = "dashboard"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:inbox"), name="home"),
    *crm_pages,
    path("dashboard/journeys/", JourneyListView.as_view(), name="journeys"),
    path("dashboard/journeys/<int:pk>/", JourneyView.as_view(), name="journey"),
    path("dashboard/comparison/", ComparisonView.as_view(), name="comparison"),
    path("dashboard/comparison/status/", ComparisonStatusView.as_view(), name="comparison-status"),
    path("dashboard/comparison/refresh/", ComparisonRefreshView.as_view(), name="comparison-refresh"),
    path("dashboard/comparison/plan/", PlanView.as_view(), name="comparison-plan"),
]
