"""Staff dashboards (``/dashboard/``); ``/`` leads there."""

from django.urls import path
from django.views.generic import RedirectView

from crm.views.access import TenantSwitchView
from crm.views.comparison import ComparisonView
from crm.views.contacts import ContactListView, ContactView
from crm.views.inbox import InboxView, TicketAssignView, TicketStatusView, TicketView
from crm.views.journeys import JourneyListView

app_name = "dashboard"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:inbox"), name="home"),
    path("dashboard/", InboxView.as_view(), name="inbox"),
    path("dashboard/tickets/<int:pk>/", TicketView.as_view(), name="ticket"),
    path("dashboard/tickets/<int:pk>/status/", TicketStatusView.as_view(), name="ticket-status"),
    path("dashboard/tickets/<int:pk>/assign/", TicketAssignView.as_view(), name="ticket-assign"),
    path("dashboard/contacts/", ContactListView.as_view(), name="contacts"),
    path("dashboard/contacts/<int:pk>/", ContactView.as_view(), name="contact"),
    path("dashboard/journeys/", JourneyListView.as_view(), name="journeys"),
    path("dashboard/comparison/", ComparisonView.as_view(), name="comparison"),
    path("dashboard/tenant/", TenantSwitchView.as_view(), name="tenant-switch"),
]
