"""Forms of the dashboard pages (filters, reply)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from crm.errors import ApplicationError
from crm.filters import ACTIVE, UNASSIGNED
from crm.models import Channel, Mode, Tenant, TicketStatus
from crm.services.attachments import IncomingAttachment, attachments_check

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data]
        return [one(data, initial)] if data else []


class ReplyForm(forms.Form):
    """The channel list shows what the policy allows; the policy still decides on submit.
    Where a WhatsApp window is closed, the approved templates of that channel are offered."""

    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=_("Default (policy)")
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    template = forms.ChoiceField(
        label=_("WhatsApp template (the 24-hour window is closed)"), required=False, choices=()
    )
    params = forms.CharField(
        label=_("Template parameters, one per line"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=20000,
    )

    def incoming_attachments(self) -> list[IncomingAttachment]:
        """The uploaded files, read and checked (ApplicationError: too many, too large, refused)."""
        files = self.cleaned_data.get("attachments") or []
        if any(f.size > settings.ATTACHMENTS_MAX_BYTES for f in files):
            raise ApplicationError(
                _("A file is larger than %(size)s.") % {"size": filesizeformat(settings.ATTACHMENTS_MAX_BYTES)}
            )
        items = [
            IncomingAttachment(filename=f.name, content_type=f.content_type or "", content=f.read()) for f in files
        ]
        attachments_check(items)
        return items

    def __init__(
        self, *args, tenant: Tenant, allowed: list[Channel], default: Channel | None = None, templates=(), **kwargs
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        field.queryset = Channel.objects.filter(tenant=tenant)  # the policy decides on submit
        label = field.empty_label
        if default is not None:  # say which channel the policy will use
            label = _("Default: %(channel)s") % {"channel": _channel_label(default)}
        field.choices = [("", label)] + [(c.pk, _channel_label(c)) for c in allowed]
        self.fields["template"].choices = [("", "-")] + list(templates)
        self.has_templates = bool(templates)
        self.allowed = {c.pk: c for c in allowed}

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("text") or "").strip():
            self.add_error("text", _("Write a reply or choose a template."))
        return data

    def reply(self) -> dict:
        """The arguments of ``ticket_reply`` this form asks for."""
        data = self.cleaned_data
        if not data.get("template"):
            return {"text": data["text"], "channel": data["channel"]}
        channel_id, language, name = data["template"].split(":", 2)
        params = [line.strip() for line in data["params"].splitlines() if line.strip()]
        template = {"name": name, "language": language, "params": params}
        return {"text": "", "channel": self.allowed[int(channel_id)], "template": template}


def _channel_label(channel: Channel) -> str:
    return f"{channel.name} ({channel.get_kind_display()})"
