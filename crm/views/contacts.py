"""Customer 360: a contact's identities, consents, tickets and whole timeline."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm.admin.scoping import actor
from crm.errors import ApplicationError
from crm.models import Contact, Role
from crm.selectors.contacts import contact_get, contact_timeline
from crm.services.contacts import contact_erase, contact_merge

from .access import DashboardView
from .panels import contact_panels_for
from .reads import consent_rows, contact_mode, contact_search, contact_tickets, possible_duplicates

TIMELINE_LIMIT = 100


class ContactListView(DashboardView):
    nav = "contacts"

    def get(self, request):
        query = request.GET.get("q", "").strip()[:200]
        page = contact_search(tenant=self.tenant, query=query, page=request.GET.get("page"))
        pager_query = urlencode({"q": query}) if query else ""
        return self.render("crm/contacts.html", {"page": page, "q": query, "query": pager_query})


class ContactView(DashboardView):
    nav = "contacts"
    owned_model = Contact

    def get(self, request, pk):
        contact = contact_get(tenant=self.tenant, pk=pk)
        identities = list(contact.identities.all())
        consents = list(contact.consents.all())
        return self.render(
            "crm/contact.html",
            {
                "contact": contact,
                "identities": identities,
                "consents": consent_rows(tenant=self.tenant, contact=contact, identities=identities, consents=consents),
                "panels": contact_panels_for(tenant=self.tenant, contact=contact),
                "tickets": contact_tickets(tenant=self.tenant, contact=contact),
                "timeline": contact_timeline(tenant=self.tenant, contact=contact, limit=TIMELINE_LIMIT),
                "timeline_limit": TIMELINE_LIMIT,
                "contact_mode": contact_mode(tenant=self.tenant, contact=contact),
                "duplicates": possible_duplicates(tenant=self.tenant, contact=contact),
                "can_erase": self.role_rank() >= Role.rank(Role.MANAGER),
            },
        )


class ContactMergeView(DashboardView):
    """GET: what merging ``other`` into this customer does, to confirm; POST: merge it."""

    nav = "contacts"
    owned_model = Contact

    def get(self, request, pk):
        contact, other = self._pair(request.GET, pk)
        return self.render("crm/contact_merge.html", {"contact": contact, "other": other, "counts": _counts(other)})

    def post(self, request, pk):
        contact, other = self._pair(request.POST, pk)
        try:
            contact_merge(tenant=self.tenant, contact=contact, other=other, by=actor(request, self.tenant.pk))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("dashboard:contact", pk=contact.pk)
        messages.success(request, _("%(other)s was merged into this customer.") % {"other": other})
        return redirect("dashboard:contact", pk=contact.pk)

    def _pair(self, data, pk):
        try:
            other_pk = int(data.get("other", ""))
        except ValueError:
            raise Http404("No such customer.") from None
        return contact_get(tenant=self.tenant, pk=pk), contact_get(tenant=self.tenant, pk=other_pk)


class ContactEraseView(DashboardView):
    """GET: what erasure removes, to confirm; POST: erase (managers and admins, as in the API)."""

    nav = "contacts"
    owned_model = Contact

    def get(self, request, pk):
        self._allowed()
        contact = contact_get(tenant=self.tenant, pk=pk)
        return self.render("crm/contact_erase.html", {"contact": contact, "counts": _counts(contact)})

    def post(self, request, pk):
        self._allowed()
        contact = contact_get(tenant=self.tenant, pk=pk)
        contact_erase(tenant=self.tenant, contact=contact, by=actor(request, self.tenant.pk))
        messages.success(request, _("The customer's personal data was erased."))
        return redirect("dashboard:contact", pk=contact.pk)

    def _allowed(self) -> None:
        if self.role_rank() < Role.rank(Role.MANAGER):
            raise PermissionDenied(_("Only managers and admins can erase a customer."))


def _counts(contact: Contact) -> dict[str, int]:
    return {
        "identities": contact.identities.count(),
        "tickets": contact.tickets.count(),
        "messages": contact.messages.count(),
        "events": contact.events.count(),
    }
