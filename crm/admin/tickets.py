"""Admin for messages (read only) and tickets (resolve and close through the service)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.errors import ApplicationError
from crm.models import (
    Message,
    Role,
    Ticket,
    TicketChannel,
    TicketLink,
    TicketStatus,
)
from crm.services.tickets import ticket_update

from .scoping import (
    ReadOnlyMixin,
    ScopedInline,
    TenantScopedAdmin,
)


@admin.register(Message)
class MessageAdmin(TenantScopedAdmin):
    """Messages are written by ingestion and replies; the admin only reads them."""

    roles = {"view": Role.AGENT}
    list_display = ["pk", "direction", "purpose", "status", "channel", "contact", "ticket", "occurred_at"]
    list_filter = ["direction", "purpose", "status", "channel__kind"]
    list_select_related = ["channel", "contact", "ticket"]
    search_fields = ["text", "subject", "from_address", "to_address", "external_id"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request, obj=None):
        return False


class TicketMessageInline(ReadOnlyMixin, ScopedInline):
    model = Message
    fields = ["occurred_at", "direction", "channel", "status", "text"]
    readonly = True
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel").order_by("occurred_at")


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    list_display = ["pk", "subject", "contact", "channel", "status", "mode", "priority", "last_message_at"]
    list_filter = ["status", "mode", "channel__kind", "priority"]
    list_select_related = ["contact", "channel"]
    search_fields = ["subject", "contact__name", "contact__identities__address"]

    class Media:
        css = {"all": ["crm/admin.css"]}  # the subject gets room, the short columns stay on one line

    fields = [
        "contact",
        "channel",
        "mode",
        "subject",
        "status",
        "assignee",
        "priority",
        "linked_tickets",
        "created_at",
        "last_message_at",
        "first_response_at",
        "resolved_at",
    ]
    readonly_fields = [
        "contact",
        "channel",
        "mode",
        "status",
        "linked_tickets",
        "created_at",
        "last_message_at",
        "first_response_at",
        "resolved_at",
    ]
    inlines = [TicketMessageInline]
    actions = ["resolve_selected", "close_selected"]

    def has_add_permission(self, request):
        return False  # tickets are opened by inbound messages

    def get_search_results(self, request, queryset, search_term):
        queryset, _dupes = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("linked tickets"))
    def linked_tickets(self, obj):
        ids = TicketLink.objects.filter(tenant_id=obj.tenant_id, from_ticket=obj).values_list("to_ticket_id", flat=True)
        return ", ".join(f"#{pk}" for pk in sorted(ids)) or "-"

    def _set_status(self, request, queryset, status):
        done, refused = 0, []
        for ticket in self.writable(request, queryset, "change"):
            try:
                ticket_update(ticket=ticket, status=status, survey=True)
                done += 1
            except ApplicationError:
                refused.append(f"#{ticket.pk}")
        self.message_user(request, ngettext("%d ticket updated.", "%d tickets updated.", done) % done)
        if refused:
            self.message_user(request, _("Not allowed for: %s") % ", ".join(refused), messages.WARNING)

    @admin.action(description=_("Resolve selected tickets"))
    def resolve_selected(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.RESOLVED)

    @admin.action(description=_("Close selected tickets"))
    def close_selected(self, request, queryset):
        self._set_status(request, queryset, TicketStatus.CLOSED)


@admin.register(TicketChannel)
class TicketChannelAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["ticket", "channel"]
    list_select_related = ["ticket", "channel"]


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["from_ticket", "to_ticket", "created_at"]
    list_select_related = ["from_ticket", "to_ticket"]
