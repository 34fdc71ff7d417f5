"""crm's staff pages, part of the ``dashboard`` namespace that ``config.dashboard_urls`` builds."""

from django.urls import path

from crm.views.access import TenantSwitchView
from crm.views.contacts import ContactListView, ContactView
from crm.views.inbox import InboxView, TicketAssignView, TicketStatusView, TicketView
from crm.views.notes import CannedSuggestView, MentionsView, TicketNoteView

urlpatterns = [
    path("dashboard/", InboxView.as_view(), name="inbox"),
    path("dashboard/tickets/<int:pk>/", TicketView.as_view(), name="ticket"),
    path("dashboard/tickets/<int:pk>/status/", TicketStatusView.as_view(), name="ticket-status"),
    path("dashboard/tickets/<int:pk>/assign/", TicketAssignView.as_view(), name="ticket-assign"),
    path("dashboard/tickets/<int:pk>/notes/", TicketNoteView.as_view(), name="ticket-notes"),
    path("dashboard/tickets/<int:pk>/canned/", CannedSuggestView.as_view(), name="ticket-canned"),
    path("dashboard/mentions/", MentionsView.as_view(), name="mentions"),
    path("dashboard/contacts/", ContactListView.as_view(), name="contacts"),
    path("dashboard/contacts/<int:pk>/", ContactView.as_view(), name="contact"),
    path("dashboard/tenant/", TenantSwitchView.as_view(), name="tenant-switch"),
]
