"""Comparison dashboard: the replay of the log under the three policies, side by side, and the
observed outcomes per effective mode with their intervals (definitions: metrics.md)."""

from __future__ import annotations

from crm.views.access import DashboardView

from .forms import PeriodForm
from .report import build_report, experiment_rows, observed_rows, profile_rows, replay_rows


class ComparisonView(DashboardView):
    nav = "comparison"

    def get(self, request):
        form = PeriodForm(request.GET or None)
        start, end = form.period()
        report = build_report(tenant=self.tenant, start=start, end=end)
        context = {
            "form": form,
            "start": start,
            "end": end,
            "report": report,
            "replay": replay_rows(report),
            "observed": observed_rows(report),
            "experiment": experiment_rows(report),
            "profile": profile_rows(report),
        }
        return self.render("insights/comparison.html", context)
