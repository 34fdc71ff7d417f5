"""crm's staff pages, part of the ``dashboard`` namespace that ``config.dashboard_urls`` builds."""

from django.urls import path

from crm.views.access import TenantSwitchView
from crm.views.attachments import AttachmentView
from crm.views.contacts import ContactEraseView, ContactListView, ContactMergeView, ContactView
from crm.views.inbox import InboxView, TicketAssignView, TicketStatusView, TicketView
from crm.views.notes import CannedSuggestView, MentionsView, TicketNoteView
from crm.views.routing import AvailabilityView, SearchView
from crm.views.settings import (
    ApiKeyCreateView,
    ApiKeyRevokeView,
    ChannelEditView,
    ChannelToggleView,
    ModeSwitchView,
    SettingsView,
)

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
    path("dashboard/contacts/<int:pk>/merge/", ContactMergeView.as_view(), name="contact-merge"),
    path("dashboard/contacts/<int:pk>/erase/", ContactEraseView.as_view(), name="contact-erase"),
    path("dashboard/tenant/", TenantSwitchView.as_view(), name="tenant-switch"),
    path("dashboard/settings/", SettingsView.as_view(), name="settings"),
    path("dashboard/settings/mode/", ModeSwitchView.as_view(), name="settings-mode"),
    path("dashboard/settings/channels/new/", ChannelEditView.as_view(), name="settings-channel-new"),
    path("dashboard/settings/channels/<int:pk>/", ChannelEditView.as_view(), name="settings-channel"),
    path("dashboard/settings/channels/<int:pk>/toggle/", ChannelToggleView.as_view(), name="settings-channel-toggle"),
    path("dashboard/settings/api-keys/", ApiKeyCreateView.as_view(), name="settings-key-create"),
    path("dashboard/settings/api-keys/<int:pk>/revoke/", ApiKeyRevokeView.as_view(), name="settings-key-revoke"),
    path("dashboard/attachments/<int:pk>/", AttachmentView.as_view(), name="attachment"),
    path("dashboard/availability/", AvailabilityView.as_view(), name="availability"),
    path("dashboard/search/", SearchView.as_view(), name="search"),
]
