"""Inbox and ticket pages: the ticket list, the agent context under the policy, replies."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.models import Ticket, TicketStatus
from crm.selectors.contacts import contact_get
from crm.selectors.notes import ticket_notes
from crm.selectors.tickets import ticket_context, ticket_get
from crm.services.attachments import limits
from crm.services.messages import reply_channel_choose, ticket_reply
from crm.services.notes import mentions_mark_read
from crm.services.tickets import ticket_update

from .access import DashboardView
from .forms import InboxFilterForm, ReplyForm
from .reads import (
    POLICY_NOTES,
    contact_mode,
    context_items,
    inbox_page,
    is_member,
    reply_channels,
    reply_templates,
    tenant_channels,
    visible_identities,
)


class InboxView(DashboardView):
    nav = "inbox"

    def get(self, request):
        form = InboxFilterForm(request.GET, channels=tenant_channels(tenant=self.tenant))
        page = inbox_page(
            tenant=self.tenant,
            filters=form.filters(user_id=request.user.pk),
            page=request.GET.get("page"),
            order=form.ordering(),
        )
        query = request.GET.copy()
        query.pop("page", None)
        return self.render("crm/inbox.html", {"form": form, "page": page, "query": query.urlencode()})


class TicketView(DashboardView):
    """GET: the ticket and what the agent may see; POST: a reply through ``ticket_reply``."""

    nav = "inbox"
    owned_model = Ticket
    body_limit_setting = "ATTACHMENTS_MAX_REQUEST_BYTES"  # the reply form takes files

    def _form(self, ticket, data=None) -> ReplyForm:
        allowed = reply_channels(tenant=self.tenant, ticket=ticket)
        templates = reply_templates(tenant=self.tenant, ticket=ticket, channels=allowed)
        form = ReplyForm(data, tenant=self.tenant, allowed=allowed, templates=templates)
        form.allowed = {c.pk: c for c in allowed}
        return form

    def get(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        return self._page(ticket, self._form(ticket))

    def _form(self, ticket, data=None, files=None) -> ReplyForm:
        allowed = reply_channels(tenant=self.tenant, ticket=ticket)
        try:
            default = reply_channel_choose(tenant=self.tenant, ticket=ticket)
        except ApplicationError:
            default = None
        templates = reply_templates(tenant=self.tenant, ticket=ticket, channels=allowed)
        return ReplyForm(data, files, tenant=self.tenant, allowed=allowed, default=default, templates=templates)

    def post(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        form = self._form(ticket, request.POST, request.FILES)
        if not form.is_valid():
            return self._page(ticket, form, status=400)
        try:
            files = form.incoming_attachments()
            message = ticket_reply(
                tenant=self.tenant,
                ticket=ticket,
                author=f"staff:{request.user.get_username()}",
                attachments=files,
                **form.reply(),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self._page(ticket, form, status=400)
        messages.success(request, _("Reply queued on %(channel)s.") % {"channel": message.channel.name})
        return redirect("dashboard:ticket", pk=ticket.pk)

    def _page(self, ticket, form, status=200):
        context = ticket_context(tenant=self.tenant, ticket=ticket)
        contact = contact_get(tenant=self.tenant, pk=ticket.contact_id)
        notes = list(ticket_notes(tenant=self.tenant, ticket=ticket))
        mentions_mark_read(tenant=self.tenant, user=self.request.user, ticket=ticket)
        return self.render(
            "crm/ticket.html",
            {
                "ticket": ticket,
                "contact": contact,
                "identities": visible_identities(contact=contact, mode=context.mode, channel=ticket.channel),
                "items": context_items(context, notes),
                "context": context,
                "policy_note": POLICY_NOTES.get(context.mode, ""),
                "contact_mode": contact_mode(tenant=self.tenant, contact=contact),
                "form": form,
                "transitions": ticket_transitions(ticket.status),
                "attachment_limits": limits(),
            },
            status=status,
        )


def ticket_transitions(status: str) -> list[tuple[str, str]]:
    from crm.services.tickets import ALLOWED_TRANSITIONS

    return [(s, TicketStatus(s).label) for s in TicketStatus.values if s in ALLOWED_TRANSITIONS[status]]


class TicketAssignView(DashboardView):
    """POST ``assignee=me`` to take the ticket, an empty value to release it."""

    def post(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        take = request.POST.get("assignee") == "me"
        if take and not is_member(tenant=self.tenant, user=request.user):
            messages.error(request, _("Only a member of this tenant can be assigned its tickets."))
        else:
            ticket_update(ticket=ticket, assignee=request.user if take else None, assignee_set=True)
            messages.success(request, _("Ticket assigned to you.") if take else _("Ticket unassigned."))
        return redirect("dashboard:ticket", pk=ticket.pk)


class TicketStatusView(DashboardView):
    """POST ``status``: move the ticket through ``ticket_update`` (its rules decide)."""

    def post(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        try:
            ticket_update(ticket=ticket, status=request.POST.get("status", ""), survey=True)
        except (ApplicationError, KeyError, ValueError):
            messages.error(request, _("This status change is not allowed."))
        else:
            messages.success(request, _("Ticket status: %(status)s.") % {"status": ticket.get_status_display()})
        return redirect("dashboard:ticket", pk=ticket.pk)
