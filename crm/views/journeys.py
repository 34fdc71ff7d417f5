"""Journeys list: each journey with its enrolled and converted counts."""

from __future__ import annotations

from .access import DashboardView
from .reads import journey_rows


class JourneyListView(DashboardView):
    nav = "journeys"

    def get(self, request):
        return self.render("crm/journeys.html", {"journeys": journey_rows(tenant=self.tenant)})
