"""Forms of the insights pages."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from insights.reports.time import default_days


class PeriodForm(forms.Form):
    """The comparison's period in days of the tenant's zone: ``start`` included, ``end``
    excluded (the rule of ``compare --end`` and of the API's ``end``)."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("To (excluded)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The period stops at the start of this day."),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            self.add_error("end", _("must be after the first day"))
        return data

    def dates(self, *, today: date) -> tuple[date, date]:
        """The applied period: what was asked, the last 30 days (today included) otherwise."""
        default_start, default_end = default_days(today=today)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or (default_end if not data.get("start") else None)
        start = data.get("start") or (end - (default_end - default_start))
        if end is None:
            end = start + (default_end - default_start)
        return start, end
