"""crm's staff pages, part of the ``dashboard`` namespace that ``config.dashboard_urls`` builds."""

from django.urls import path

from crm.views.access import TenantSwitchView
from crm.views.contacts import ContactListView, ContactView
from crm.views.inbox import InboxView, TicketAssignView, TicketStatusView, TicketView
from crm.views.routing import AvailabilityView, SearchView

urlpatterns = [
    path("dashboard/", InboxView.as_view(), name="inbox"),
    path("dashboard/tickets/<int:pk>/", TicketView.as_view(), name="ticket"),
    path("dashboard/tickets/<int:pk>/status/", TicketStatusView.as_view(), name="ticket-status"),
    path("dashboard/tickets/<int:pk>/assign/", TicketAssignView.as_view(), name="ticket-assign"),
    path("dashboard/contacts/", ContactListView.as_view(), name="contacts"),
    path("dashboard/contacts/<int:pk>/", ContactView.as_view(), name="contact"),
    path("dashboard/tenant/", TenantSwitchView.as_view(), name="tenant-switch"),
    path("dashboard/availability/", AvailabilityView.as_view(), name="availability"),
    path("dashboard/search/", SearchView.as_view(), name="search"),
]
