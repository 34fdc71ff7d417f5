"""Customer 360: a contact's identities, consents, tickets and whole timeline."""

from __future__ import annotations

from urllib.parse import urlencode

from crm.selectors.contacts import contact_get, contact_timeline

from .access import DashboardView
from .reads import contact_mode, contact_search, contact_tickets

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

    def get(self, request, pk):
        contact = contact_get(tenant=self.tenant, pk=pk)
        return self.render(
            "crm/contact.html",
            {
                "contact": contact,
                "identities": list(contact.identities.all()),
                "consents": list(contact.consents.all()),
                "tickets": contact_tickets(tenant=self.tenant, contact=contact),
                "timeline": contact_timeline(tenant=self.tenant, contact=contact, limit=TIMELINE_LIMIT),
                "timeline_limit": TIMELINE_LIMIT,
                "contact_mode": contact_mode(tenant=self.tenant, contact=contact),
            },
        )
