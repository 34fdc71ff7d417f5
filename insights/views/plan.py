"""The experiment planning panel: the sample an experiment needs, at the tenant's volume."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.views.access import DashboardView
from insights.metrics.plan import METRICS, experiment_plan

PLAN_LABELS = {
    "first_response_seconds": _("First response time (seconds, mean)"),
    "first_response_seconds_mean": _("First response time (seconds, mean)"),
    "resolution_seconds": _("Resolution time (seconds, mean)"),
    "customer_messages_per_episode": _("Customer messages per episode"),
    "tickets_per_episode": _("Tickets per episode"),
    "csat": _("Satisfaction (CSAT, 1-5)"),
    "journey_conversion_rate": _("Journey conversion rate"),
    "opt_out_rate": _("Opt-out rate"),
    "revenue_per_contact": _("Revenue per contact"),
    "average_order_value": _("Average order value"),
    "purchase_rate": _("Purchase rate"),
    "repeat_purchase_rate": _("Repeat purchase rate"),
}


UNIT_LABELS = {
    "episode": _("episodes"),
    "ticket": _("tickets"),
    "rating": _("ratings"),
    "enrolment": _("enrolments"),
    "contact": _("contacts"),
    "purchase": _("purchases"),
    "buyer": _("buyers"),
}


class PlanForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=[(k, PLAN_LABELS[k]) for k in METRICS])
    mde = forms.FloatField(
        label=_("Difference to detect"),
        min_value=0.000001,
        help_text=_("In the metric's unit: 0.05 is 5 points of a rate, 3600 an hour of response time."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("metric") and data.get("mde") is not None:
            if METRICS[data["metric"]][0] == "rate" and data["mde"] >= 1:
                self.add_error("mde", _("A rate's difference is below 1."))
        return data


class PlanView(DashboardView):
    nav = "comparison"

    def get(self, request):
        form = PlanForm(request.GET or None)
        plan = None
        if form.is_bound and form.is_valid():
            plan = experiment_plan(tenant=self.tenant, metric=form.cleaned_data["metric"], mde=form.cleaned_data["mde"])
        return self.render("insights/plan.html", {"plan_form": form, "plan": plan})
