"""Internal notes, mentions and canned responses in the agent's pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.selectors.canned import canned_list
from crm.selectors.notes import mentions_unread
from crm.selectors.tickets import ticket_get
from crm.services.canned import canned_render
from crm.services.notes import note_create

from .access import DashboardView

CANNED_SUGGESTIONS = 10


def staff_name(user) -> str:
    return user.get_full_name() or user.get_username()


class TicketNoteView(DashboardView):
    """POST ``text``: an internal note on the ticket (``@username`` mentions a colleague)."""

    def post(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        try:
            note_create(
                tenant=self.tenant,
                ticket=ticket,
                text=request.POST.get("text", ""),
                author=staff_name(request.user),
                author_user=request.user,
            )
        except ApplicationError:
            messages.error(request, _("A note needs a text (at most 20,000 characters)."))
        else:
            messages.success(request, _("Internal note added."))
        return redirect(reverse("dashboard:ticket", kwargs={"pk": ticket.pk}) + "#notes")


class CannedSuggestView(DashboardView):
    """GET ``?q=prefix``: the canned responses for the reply box, their variables filled in for
    this ticket and agent; the contact's language first."""

    def get(self, request, pk):
        ticket = ticket_get(tenant=self.tenant, pk=pk)
        language = str(ticket.contact.attributes.get("language") or getattr(self.tenant, "language", "") or "")
        rows = canned_list(tenant=self.tenant, language=language, prefix=request.GET.get("q", "")[:50])
        agent = staff_name(request.user)
        results, seen = [], set()
        for canned in rows:
            if canned.shortcut in seen:  # the contact's language wins over the language-free one
                continue
            seen.add(canned.shortcut)
            text = canned_render(canned=canned, ticket=ticket, agent_name=agent)
            results.append({"id": canned.pk, "shortcut": canned.shortcut, "title": canned.title, "text": text})
            if len(results) == CANNED_SUGGESTIONS:
                break
        return JsonResponse({"results": results})


class MentionsView(DashboardView):
    """The agent's unread mentions in this tenant, newest first."""

    nav = "mentions"

    def get(self, request):
        return self.render("crm/mentions.html", {"mentions": mentions_unread(tenant=self.tenant, user=request.user)})
