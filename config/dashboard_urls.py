"""Staff dashboards (``/dashboard/``), one ``dashboard`` namespace over the pages of every app;
``/`` leads there."""

from django.urls import path
from django.views.generic import RedirectView

from crm.dashboard_urls import urlpatterns as crm_pages
from insights.views.comparison import ComparisonView
from insights.views.journeys import JourneyListView
from insights.views.plan import PlanView

app_name = "dashboard"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:inbox"), name="home"),
    *crm_pages,
    path("dashboard/journeys/", JourneyListView.as_view(), name="journeys"),
    path("dashboard/comparison/", ComparisonView.as_view(), name="comparison"),
    path("dashboard/comparison/plan/", PlanView.as_view(), name="comparison-plan"),
]
