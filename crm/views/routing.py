"""The dashboards' header tools of routing: one's own availability, and search."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from crm.errors import ApplicationError
from crm.models import Availability
from crm.selectors.search import search
from crm.services.teams import availability_set

from .access import DashboardView


class AvailabilityView(DashboardView):
    """POST ``availability`` (online or away): one's own, in the tenant being worked on."""

    def post(self, request):
        try:
            moved = availability_set(
                tenant=self.tenant, user_id=request.user.pk, availability=request.POST.get("availability", "")
            )
        except ApplicationError:
            messages.error(request, _("Your availability could not be changed."))
        else:
            state = Availability(request.POST["availability"]).label
            messages.success(request, _("You are now: %(state)s.") % {"state": state})
            if moved:
                messages.info(request, _("%(n)d tickets handed to your teams.") % {"n": len(moved)})
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        return redirect(back if safe and back else "dashboard:inbox")


class SearchView(DashboardView):
    """GET ``q``: contacts, tickets and messages of the tenant that match."""

    nav = "search"

    def get(self, request):
        q = request.GET.get("q", "")
        try:
            page = max(1, min(100, int(request.GET.get("page", 1))))
        except ValueError:
            page = 1
        try:
            results = search(tenant=self.tenant, q=q, page=page)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self.render("crm/search.html", {"q": q, "results": None}, status=400)
        return self.render("crm/search.html", {"q": q, "results": results, "page_number": page})
