"""A journey's page in the dashboards: its funnel per step, sends by channel and suppressions by
reason, and an editor of its steps (the contract's step types) showing each error at its step."""

from __future__ import annotations

import json
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.errors import ApplicationError
from crm.models import Channel, Role
from crm.views.access import DashboardView

from .models import Journey
from .selectors import journey_get, journey_stats
from .services.journeys import journey_update

STEP_TYPES = [
    ("send", gettext_lazy("Send a message")),
    ("wait", gettext_lazy("Wait")),
    ("wait_for", gettext_lazy("Wait for an event")),
    ("branch", gettext_lazy("Branch on an event")),
]
#: the step fields the editor shows; any other key of a step (``offer``, ``until``...) is kept as is
EDITED = (
    "type",
    "channel",
    "purpose",
    "subject",
    "template",
    "seconds",
    "event",
    "timeout_seconds",
    "if_event",
    "then",
    "else",
)
NUMBERS = ("seconds", "timeout_seconds", "then", "else")


class JourneyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    trigger_event = forms.CharField(label=gettext_lazy("Trigger event"), max_length=100)
    goal_event = forms.CharField(label=gettext_lazy("Goal event"), max_length=100, required=False)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


class StepForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Step"), choices=[("", "—"), *STEP_TYPES], required=False)
    channel = forms.TypedChoiceField(label=gettext_lazy("Channel"), coerce=int, required=False, empty_value=None)
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        choices=[("transactional", gettext_lazy("transactional")), ("marketing", gettext_lazy("marketing"))],
        required=False,
    )
    subject = forms.CharField(label=gettext_lazy("Subject (e-mail)"), required=False, max_length=998)
    template = forms.CharField(label=gettext_lazy("Text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    seconds = forms.IntegerField(label=gettext_lazy("Seconds"), required=False, min_value=0)
    event = forms.CharField(label=gettext_lazy("Event"), required=False, max_length=100)
    timeout_seconds = forms.IntegerField(label=gettext_lazy("Timeout (seconds)"), required=False, min_value=0)
    if_event = forms.CharField(label=gettext_lazy("If event"), required=False, max_length=100)
    then = forms.IntegerField(label=gettext_lazy("Then step"), required=False, min_value=0)
    else_ = forms.IntegerField(label=gettext_lazy("Else step"), required=False, min_value=0)
    extra = forms.CharField(required=False, widget=forms.HiddenInput)
    delete = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    def __init__(self, *args, channels: list[Channel], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "—")] + [(c.pk, f"{c.name} ({c.get_kind_display()})") for c in channels]

    def step(self) -> dict | None:
        """The step as the journey stores it, or ``None`` for an empty or removed row."""
        data = self.cleaned_data
        if data.get("delete") or not data.get("type"):
            return None
        try:
            step = json.loads(data.get("extra") or "{}")
        except ValueError:
            step = {}
        for name in EDITED:
            value = data.get("else_" if name == "else" else name)
            if value not in (None, ""):
                step[name] = value
            else:
                step.pop(name, None)
        return step


StepFormSet = forms.formset_factory(StepForm, extra=2)


def _initial_steps(journey: Journey) -> list[dict]:
    rows = []
    for step in journey.steps:
        row = {("else_" if k == "else" else k): v for k, v in step.items() if k in EDITED}
        row["extra"] = json.dumps({k: v for k, v in step.items() if k not in EDITED})
        rows.append(row)
    return rows


STEP_ERROR = re.compile(r"^step (\d+): (.*)$")


class JourneyView(DashboardView):
    """GET: the funnel and the editor; POST (managers): save the edited journey."""

    nav = "journeys"
    owned_model = Journey

    def get(self, request, pk):
        journey = journey_get(tenant=self.tenant, pk=pk)
        return self._page(journey, self._forms(journey))

    def post(self, request, pk):
        if self.role_rank() < Role.rank(Role.MANAGER):
            raise PermissionDenied(_("Only managers and admins can edit a journey."))
        journey = journey_get(tenant=self.tenant, pk=pk)
        form, steps = self._forms(journey, request.POST)
        if not (form.is_valid() and steps.is_valid()):
            return self._page(journey, (form, steps), status=400)
        changes = {**form.cleaned_data, "steps": [s for f in steps for s in [f.step()] if s is not None]}
        try:
            journey_update(journey=journey, changes=changes)
        except ApplicationError as exc:
            self._place_errors(exc, form, steps)
            journey.refresh_from_db()
            return self._page(journey, (form, steps), status=400)
        messages.success(request, _("Journey saved."))
        return redirect("dashboard:journey", pk=journey.pk)

    def _forms(self, journey, data=None):
        channels = list(Channel.objects.filter(tenant=self.tenant).order_by("kind", "pk"))
        initial = {k: getattr(journey, k) for k in ("name", "trigger_event", "goal_event", "active")}
        form = JourneyForm(data, initial=initial)
        steps = StepFormSet(data, initial=_initial_steps(journey), prefix="steps", form_kwargs={"channels": channels})
        return form, steps

    @staticmethod
    def _place_errors(exc: ApplicationError, form, steps) -> None:
        """Each ``step N: ...`` message at the row of step N (rows removed or empty do not count)."""
        kept = [f for f in steps if f.cleaned_data.get("type") and not f.cleaned_data.get("delete")]
        for field, problems in (exc.extra or {"": [exc.message]}).items():
            for problem in problems:
                found = STEP_ERROR.match(str(problem))
                if field == "steps" and found and int(found.group(1)) < len(kept):
                    kept[int(found.group(1))].add_error(None, found.group(2))
                elif field in form.fields:
                    form.add_error(field, str(problem))
                else:
                    form.add_error(None, str(problem))

    def _page(self, journey, forms_, status=200):
        form, steps = forms_
        return self.render(
            "journeys/journey.html",
            {
                "journey": journey,
                "stats": journey_stats(tenant=self.tenant, journey=journey),
                "form": form,
                "steps": steps,
                "can_edit": self.role_rank() >= Role.rank(Role.MANAGER),
            },
            status=status,
        )
