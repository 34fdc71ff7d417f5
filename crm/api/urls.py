from django.urls import path

from . import attachments, audit, canned, channels, contacts, messages, notes, search, sla, teams, tenants, tickets

urlpatterns = [
    path("tenant/", tenants.TenantDetailApi.as_view(), name="tenant"),
    path("tenant/mode-history/", tenants.ModeHistoryApi.as_view(), name="tenant-mode-history"),
    path("audit-log/", audit.AuditLogApi.as_view(), name="audit-log"),
    path("channels/", channels.ChannelListApi.as_view(), name="channels"),
    path("channels/<int:pk>/", channels.ChannelDetailApi.as_view(), name="channel"),
    path("contacts/", contacts.ContactListApi.as_view(), name="contacts"),
    path("contacts/<int:pk>/", contacts.ContactDetailApi.as_view(), name="contact"),
    path("contacts/<int:pk>/merge/", contacts.ContactMergeApi.as_view(), name="contact-merge"),
    path("contacts/<int:pk>/erase/", contacts.ContactEraseApi.as_view(), name="contact-erase"),
    path("contacts/<int:pk>/timeline/", contacts.ContactTimelineApi.as_view(), name="contact-timeline"),
    path("messages/inbound/", messages.MessageInboundApi.as_view(), name="messages-inbound"),
    path("messages/<int:pk>/", messages.MessageDetailApi.as_view(), name="message"),
    path("tickets/", tickets.TicketListApi.as_view(), name="tickets"),
    path("tickets/<int:pk>/", tickets.TicketDetailApi.as_view(), name="ticket"),
    path("tickets/<int:pk>/messages/", tickets.TicketMessagesApi.as_view(), name="ticket-messages"),
    path("tickets/<int:pk>/context/", tickets.TicketContextApi.as_view(), name="ticket-context"),
    path("tickets/<int:pk>/reply/", tickets.TicketReplyApi.as_view(), name="ticket-reply"),
    path("tickets/<int:pk>/notes/", notes.TicketNotesApi.as_view(), name="ticket-notes"),
    path("canned-responses/", canned.CannedListApi.as_view(), name="canned-responses"),
    path("canned-responses/<int:pk>/", canned.CannedDetailApi.as_view(), name="canned-response"),
    path("attachments/<int:pk>/content/", attachments.AttachmentContentApi.as_view(), name="attachment-content"),
    path("teams/", teams.TeamListApi.as_view(), name="teams"),
    path("teams/<int:pk>/", teams.TeamDetailApi.as_view(), name="team"),
    path("availability/", teams.AvailabilityApi.as_view(), name="availability"),
    path("sla-policies/", sla.SlaPolicyListApi.as_view(), name="sla-policies"),
    path("sla-policies/<int:pk>/", sla.SlaPolicyDetailApi.as_view(), name="sla-policy"),
    path("search/", search.SearchApi.as_view(), name="search"),
]
