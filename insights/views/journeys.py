"""Journeys list: each journey with its enrolled and converted counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from crm.models import Tenant
from crm.views.access import DashboardView
from journeys.models import Journey


class JourneyListView(DashboardView):
    nav = "journeys"

    def get(self, request):
        return self.render("insights/journeys.html", {"journeys": journey_rows(tenant=self.tenant)})


@dataclass(frozen=True)
class JourneyRow:
    id: int
    name: str
    trigger_event: str
    goal_event: str
    active: bool
    enrolled: int
    converted: int

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.enrolled if self.enrolled else None


def journey_rows(*, tenant: Tenant) -> list[JourneyRow]:
    """Journeys with enrolled and converted counts (one query)."""
    qs = (
        Journey.objects.filter(tenant=tenant)
        .annotate(
            n_enrolled=Count("enrollments"),
            n_converted=Count("enrollments", filter=Q(enrollments__converted_at__isnull=False)),
        )
        .order_by("name", "pk")
    )
    return [JourneyRow(j.pk, j.name, j.trigger_event, j.goal_event, j.active, j.n_enrolled, j.n_converted) for j in qs]
