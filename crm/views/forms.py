"""Forms of the dashboard pages (filters, reply)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.filters import ACTIVE, UNASSIGNED
from crm.models import Channel, Mode, Tenant, TicketStatus

MINE = "me"


#: the inbox order by the earliest SLA due time not met yet (tickets without one last)
URGENCY = "urgency"


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ACTIVE, _("Open or pending")), ("", _("All")), *TicketStatus.choices],
    )
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    mode = forms.ChoiceField(label=_("Mode"), required=False, choices=[("", _("All")), *Mode.choices])
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("", _("All")), (MINE, _("Assigned to me")), (UNASSIGNED, _("Unassigned"))],
    )
    order = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("", _("Latest activity")), (URGENCY, _("Most urgent (SLA) first"))],
    )

    def __init__(self, data, *, channels: list[Channel], **kwargs):
        data = data.copy()
        data.setdefault("status", ACTIVE)  # the inbox opens on what needs an answer
        super().__init__(data, **kwargs)
        self.fields["channel"].choices = [("", _("All"))] + [(c.pk, str(c)) for c in channels]

    def filters(self, *, user_id: int) -> dict:
        if not self.is_valid():
            return {"status": ACTIVE}
        filters = {k: self.cleaned_data[k] for k in ("status", "channel", "mode", "assignee")}
        if filters["assignee"] == MINE:
            filters["assignee"] = user_id
        return filters

    def ordering(self) -> str:
        return self.cleaned_data.get("order", "") if self.is_valid() else ""


class ReplyForm(forms.Form):
    """The channel list shows what the policy allows; the policy still decides on submit."""

    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=_("Default (policy)")
    )

    def __init__(self, *args, tenant: Tenant, allowed: list[Channel], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        field.queryset = Channel.objects.filter(tenant=tenant)
        field.choices = [("", field.empty_label)] + [(c.pk, f"{c.name} ({c.get_kind_display()})") for c in allowed]
