"""Forms of the managers' settings page: proper widgets for what the API takes as JSON."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import ChannelKind, Language, Mode, Role
from crm.providers import provider_choices, provider_get

KINDS = [(k, label) for k, label in ChannelKind.choices if k != ChannelKind.STORE]


class GeneralSettingsForm(forms.Form):
    """Everything of the tenant but its mode and experiment (those ask for a confirmation)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    language = forms.ChoiceField(label=_("Customers' language"), choices=Language.choices)
    timezone = forms.ChoiceField(label=_("Time zone"))
    default_region = forms.RegexField(label=_("Phone region"), regex=r"^[A-Z]{2}$", max_length=2)
    episode_gap_hours = forms.IntegerField(label=_("Episode gap (hours)"), min_value=1, max_value=24 * 365)
    quiet_hours_start = forms.TimeField(label=_("Quiet hours from"), required=False)
    quiet_hours_end = forms.TimeField(label=_("Quiet hours to"), required=False)
    frequency_cap_max_sends = forms.IntegerField(label=_("Marketing sends at most"), min_value=1, required=False)
    frequency_cap_days = forms.IntegerField(label=_("per number of days"), min_value=1, required=False)

    def __init__(self, *args, tenant, **kwargs):
        initial = {name: getattr(tenant, name) for name in self.base_fields}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        # Fallback order: one position per kind (blank: not a fallback); offer links: a grid.
        order = list(tenant.fallback_order or [])
        for kind, label in KINDS:
            self.fields[f"fallback_{kind}"] = forms.IntegerField(
                label=label,
                min_value=1,
                max_value=len(KINDS),
                required=False,
                initial=order.index(kind) + 1 if kind in order else None,
            )
        links = tenant.offer_links or {}
        for kind, label in KINDS:
            self.fields[f"offer_{kind}"] = forms.MultipleChoiceField(
                label=label,
                choices=KINDS,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=links.get(kind, []),
            )

    def fallback_fields(self):
        return [self[f"fallback_{kind}"] for kind, _label in KINDS]

    def offer_fields(self):
        return [self[f"offer_{kind}"] for kind, _label in KINDS]

    def clean(self):
        data = super().clean()
        if (data.get("quiet_hours_start") is None) != (data.get("quiet_hours_end") is None):
            self.add_error("quiet_hours_end", _("Give both ends of the quiet hours, or neither."))
        if (data.get("frequency_cap_max_sends") is None) != (data.get("frequency_cap_days") is None):
            self.add_error("frequency_cap_days", _("Give both the number of sends and the days, or neither."))
        positions = [(data.get(f"fallback_{k}"), k) for k, _label in KINDS if data.get(f"fallback_{k}")]
        if len({p for p, _k in positions}) != len(positions):
            self.add_error(None, _("Two channel kinds have the same fallback position."))
        return data

    def changes(self) -> dict:
        """The tenant fields this form sets (``tenant_update``'s ``changes``)."""
        data = self.cleaned_data
        changes = {name: data[name] for name in self.base_fields}
        positions = sorted((data[f"fallback_{k}"], k) for k, _label in KINDS if data.get(f"fallback_{k}"))
        changes["fallback_order"] = [k for _p, k in positions]
        changes["offer_links"] = {k: data[f"offer_{k}"] for k, _label in KINDS if data.get(f"offer_{k}")}
        return changes


class ModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("Policy"), choices=Mode.choices)
    holdout_percent = forms.IntegerField(
        label=_("Experiment: share of customers kept on the previous policy (%)"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Leave empty for no experiment."),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ChannelForm(forms.Form):
    """A channel with one field per credential its provider names (``?provider=`` to switch);
    secret values are never shown: an empty field keeps the stored value."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    provider = forms.ChoiceField(label=_("Provider"))
    address = forms.CharField(label=_("Address (number, e-mail, page)"), max_length=320, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, provider: str, stored: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(key, label) for key, label in provider_choices()]
        self.stored = stored or {}
        spec = provider_get(provider)
        self.required_keys = tuple(spec.required_credentials)
        self.optional_keys = tuple(spec.optional_credentials)
        for key in self.required_keys + self.optional_keys:
            required = key in self.required_keys and key not in self.stored
            help_text = _("stored: leave empty to keep it") if key in self.stored else ""
            self.fields[f"credential_{key}"] = forms.CharField(
                label=key,
                required=required,
                help_text=help_text,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            )

    def credential_fields(self):
        return [self[f"credential_{key}"] for key in self.required_keys + self.optional_keys]

    def credentials(self) -> dict:
        """The stored credentials with the values typed in this form replacing them."""
        typed = {key: self.cleaned_data.get(f"credential_{key}") for key in self.required_keys + self.optional_keys}
        return {**self.stored, **{key: value for key, value in typed.items() if value}}


class ApiKeyForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, least_role_rank: int, **kwargs):
        super().__init__(*args, **kwargs)
        # No key of a role above one's own: a manager cannot mint an admin key.
        self.fields["role"].choices = [(r, label) for r, label in Role.choices if Role.rank(r) <= least_role_rank]
