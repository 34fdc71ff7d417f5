"""Comparison dashboard: the stored report of the chosen period (computed in the background,
shown with its age, recomputed on demand), its verdict, charts, tables and CSV (metrics.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.views.access import DashboardView
from insights.reports.charts import mode_charts, replay_charts, weekly_charts
from insights.reports.rows import experiment_rows, observed_repeats_experiment, observed_rows, profile_rows, replay_rows
from insights.reports.services import ReportState, report_find, report_request, report_state
from insights.reports.table import as_csv
from insights.reports.time import day_period, tenant_zone
from insights.reports.verdict import findings, headline

from .forms import PeriodForm

STEP_LABELS = {
    "observed": _("observed outcomes"),
    "profile": _("customer base"),
    "replay": _("replay under the three policies"),
    "weeks": _("week by week"),
}


class PeriodMixin:
    def period(self, data):
        form = PeriodForm(data or None)
        zone = tenant_zone(self.tenant)
        first, stop = form.dates(today=timezone.now().astimezone(zone).date())
        start, end = day_period(start=first, end=stop, zone=zone)
        return form, first, stop, start, end


def _csv_response(report: dict, first, stop) -> HttpResponse:
    response = HttpResponse(as_csv(report), content_type="text/csv; charset=utf-8")
    name = f"comparison-{report['tenant']}-{first:%Y-%m-%d}-{stop:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ComparisonView(PeriodMixin, DashboardView):
    nav = "comparison"

    def get(self, request):
        form, first, stop, start, end = self.period(request.GET)
        report = report_find(tenant=self.tenant, start=start, end=end)
        if report is None:  # computed once per period; eager without a broker
            report = report_request(tenant=self.tenant, start=start, end=end)
        state = report_state(tenant=self.tenant, report=report)
        if request.GET.get("format") == "csv" and state.ready:
            return _csv_response(report.data, first, stop)
        query = urlencode({"start": first.isoformat(), "end": stop.isoformat()})
        return self.render(
            "insights/comparison.html",
            {
                **self.context(state),
                "form": form,
                "first": first,
                "stop": stop,
                "start": start,
                "end": end,
                "query": query,
            },
        )

    def context(self, state: ReportState) -> dict:
        data = state.report.data if state.ready else None
        if data is None:
            return {"state": state, "report": None}
        items = findings(data)
        charts = {
            "replay": replay_charts(data),
            "modes": mode_charts(data),
            "weekly": weekly_charts(state.report.series),
        }
        return {
            "state": state,
            "report": data,
            "findings": items,
            "headline": headline(items),
            "charts": charts,
            "replay": replay_rows(data),
            "observed": observed_rows(data),
            "observed_repeats": observed_repeats_experiment(data),
            "experiment": experiment_rows(data),
            "profile": profile_rows(data),
            "step_label": STEP_LABELS.get(state.report.step, ""),
        }


def _status(state: ReportState) -> dict:
    report = state.report
    return {
        "status": report.status if report else None,
        "progress": report.progress if report else 0,
        "step": str(STEP_LABELS.get(report.step, "")) if report else "",
        "computed_at": report.computed_at.isoformat() if report and report.computed_at else None,
        "stale": state.stale,
    }


class ComparisonStatusView(PeriodMixin, DashboardView):
    """``GET ?start=&end=``: the stored report's state, polled by the page's progress bar."""

    def get(self, request):
        _form, _first, _stop, start, end = self.period(request.GET)
        report = report_find(tenant=self.tenant, start=start, end=end)
        return JsonResponse(_status(report_state(tenant=self.tenant, report=report)))


class ComparisonRefreshView(PeriodMixin, DashboardView):
    """``POST start=&end=``: recompute the period's report in the background."""

    def post(self, request):
        _form, first, stop, start, end = self.period(request.POST)
        report = report_request(tenant=self.tenant, start=start, end=end)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(_status(report_state(tenant=self.tenant, report=report)), status=202)
        query = urlencode({"start": first.isoformat(), "end": stop.isoformat()})
        return redirect(f"{reverse('dashboard:comparison')}?{query}")
