"""Forms of the dashboard pages (filters, reply)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.filters import ACTIVE, UNASSIGNED
from crm.models import Channel, Mode, Tenant, TicketStatus

MINE = "me"


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


class ReplyForm(forms.Form):
    """The channel list shows what the policy allows; the policy still decides on submit.
    Where a WhatsApp window is closed, the approved templates of that channel are offered."""

    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=_("Default (policy)")
    )
    template = forms.ChoiceField(
        label=_("WhatsApp template (the 24-hour window is closed)"), required=False, choices=()
    )
    params = forms.CharField(
        label=_("Template parameters, one per line"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20000,
    )

    def __init__(self, *args, tenant: Tenant, allowed: list[Channel], templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        field.queryset = Channel.objects.filter(tenant=tenant)
        field.choices = [("", field.empty_label)] + [(c.pk, f"{c.name} ({c.get_kind_display()})") for c in allowed]
        self.fields["template"].choices = [("", "-")] + list(templates)
        self.has_templates = bool(templates)

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("text") or "").strip():
            self.add_error("text", _("Write a reply or choose a template."))
        return data

    def reply(self, channels: dict[int, Channel]) -> dict:
        """The arguments of ``ticket_reply`` this form asks for."""
        data = self.cleaned_data
        if not data.get("template"):
            return {"text": data["text"], "channel": data["channel"]}
        channel_id, language, name = data["template"].split(":", 2)
        params = [line.strip() for line in data["params"].splitlines() if line.strip()]
        template = {"name": name, "language": language, "params": params}
        return {"text": "", "channel": channels[int(channel_id)], "template": template}
