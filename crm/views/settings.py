"""The managers' settings page: policy and experiment (with a confirmation and the history),
general settings, channels with their credentials, API keys. Managers and admins only, as in
the API (``PATCH /tenant/`` is a manager's); agents get a 403 and see no link to it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.admin.scoping import actor
from crm.api.channels import webhook_url
from crm.errors import ApplicationError
from crm.models import ApiKey, Channel, Mode, Role
from crm.providers import provider_get
from crm.selectors.scoping import get_scoped
from crm.selectors.tenants import mode_history
from crm.services.tenants import api_key_create, api_key_revoke, channel_create, channel_update, tenant_update

from .access import DashboardView
from .settings_forms import ApiKeyForm, ChannelForm, GeneralSettingsForm, ModeForm

#: what a policy changes, said before a manager switches to it
MODE_EFFECTS = {
    Mode.MULTICHANNEL: gettext_lazy(
        "Each channel is its own silo: a message opens or continues a ticket of its channel only, agents see "
        "that channel's messages only, replies go out on the ticket's channel, journeys and offers work per channel."
    ),
    Mode.CROSSCHANNEL: gettext_lazy(
        "Channels stay separate tickets, linked to each other: agents also see the linked tickets, replies may go "
        "out on any channel the customer used, offers can be redeemed on linked channels."
    ),
    Mode.OMNICHANNEL: gettext_lazy(
        "One conversation per customer whatever the channel: a message continues the customer's open ticket, "
        "agents see the whole timeline and events, replies go out where the customer last wrote, journeys skip "
        "what the customer already did on another channel, caps count every channel."
    ),
}


class ManagerView(DashboardView):
    nav = "settings"

    def check_manager(self) -> None:
        if self.role_rank() < Role.rank(Role.MANAGER):
            raise PermissionDenied(_("Only managers and admins can change the settings."))

    def get(self, request, *args, **kwargs):
        self.check_manager()
        return self.manager_get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check_manager()
        return self.manager_post(request, *args, **kwargs)

    def manager_get(self, request, *args, **kwargs):
        raise PermissionDenied

    def manager_post(self, request, *args, **kwargs):
        raise PermissionDenied

    def by(self):
        return actor(self.request, self.tenant.pk)

    def settings_page(self, general=None, key_form=None, new_key=None, status=200):
        """The settings page (general settings, policy, channels, API keys) with these forms."""
        tenant = self.tenant
        channels = list(Channel.objects.filter(tenant=tenant).order_by("kind", "pk"))
        return self.render(
            "crm/settings.html",
            {
                "general": general or GeneralSettingsForm(tenant=tenant),
                "mode_form": ModeForm(
                    initial={"mode": tenant.mode, "holdout_percent": tenant.experiment_holdout_percent}
                ),
                "history": list(mode_history(tenant=tenant).order_by("-changed_at", "-pk")[:20]),
                "channels": [(c, webhook_url(c)) for c in channels],
                "keys": list(ApiKey.objects.filter(tenant=tenant).order_by("-created_at", "-pk")[:50]),
                "key_form": key_form or ApiKeyForm(least_role_rank=self.role_rank()),
                "new_key": new_key,
                "mode_effects": MODE_EFFECTS,
            },
            status=status,
        )


class SettingsView(ManagerView):
    def manager_get(self, request):
        return self.settings_page()

    def manager_post(self, request):
        form = GeneralSettingsForm(request.POST, tenant=self.tenant)
        if not form.is_valid():
            return self.settings_page(form, status=400)
        tenant_update(tenant=self.tenant, changes=form.changes(), by=self.by())
        messages.success(request, _("Settings saved."))
        return redirect("dashboard:settings")


class ModeSwitchView(ManagerView):
    """POST the policy and experiment: first a page saying what changes, then (``confirmed``)
    the switch, recorded in the mode history and the audit log."""

    def manager_post(self, request):
        form = ModeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a policy, and an experiment share between 1 and 99 %."))
            return redirect("dashboard:settings")
        mode, holdout = form.cleaned_data["mode"], form.cleaned_data["holdout_percent"]
        tenant = self.tenant
        if not form.cleaned_data["confirmed"]:
            return self.render(
                "crm/settings_mode_confirm.html",
                {
                    "mode": Mode(mode),
                    "holdout": holdout,
                    "current": Mode(tenant.mode),
                    "effects": MODE_EFFECTS[mode],
                    "unchanged": mode == tenant.mode and holdout == tenant.experiment_holdout_percent,
                },
            )
        experiment = None if holdout is None else {"holdout_percent": holdout}
        tenant_update(tenant=tenant, changes={"mode": mode, "experiment": experiment}, by=self.by())
        messages.success(request, _("Policy now: %(mode)s.") % {"mode": Mode(mode).label})
        return redirect("dashboard:settings")


class ChannelEditView(ManagerView):
    """A channel's form, with one field per credential of its provider."""

    def manager_get(self, request, pk=None):
        channel = self._channel(pk)
        provider = request.GET.get("provider") or (channel.provider if channel else "console")
        return self._page(channel, self._form(channel, provider, None))

    def manager_post(self, request, pk=None):
        channel = self._channel(pk)
        provider = request.POST.get("provider") or "console"
        form = self._form(channel, provider, request.POST)
        if not form.is_valid():
            return self._page(channel, form, status=400)
        data, credentials = form.cleaned_data, form.credentials()
        fields = {k: data[k] for k in ("name", "kind", "provider", "address", "enabled")}
        try:
            if channel is None:
                channel = channel_create(tenant=self.tenant, credentials=credentials, by=self.by(), **fields)
            else:
                channel_update(channel=channel, changes={**fields, "credentials": credentials}, by=self.by())
        except ApplicationError as exc:
            for field, problems in (exc.extra or {}).items():
                form.add_error(field if field in form.fields else None, "; ".join(map(str, problems)))
            if not (exc.extra or {}):
                form.add_error(None, exc.message)
            return self._page(channel, form, status=400)
        messages.success(request, _("Channel %(name)s saved.") % {"name": channel.name})
        return redirect("dashboard:settings")

    def _channel(self, pk):
        return None if pk is None else get_scoped(Channel.objects.all(), tenant=self.tenant, pk=pk)

    def _form(self, channel, provider, data):
        try:
            provider_get(provider)
        except LookupError:
            provider = "console"
        initial = {"provider": provider, "enabled": True}
        if channel is not None:
            initial.update(name=channel.name, kind=channel.kind, address=channel.address, enabled=channel.enabled)
        stored = dict(channel.credentials or {}) if channel is not None and channel.provider == provider else {}
        return ChannelForm(data, initial=initial, provider=provider, stored=stored)

    def _page(self, channel, form, status=200):
        context = {"channel": channel, "form": form, "webhook_url": webhook_url(channel) if channel else ""}
        return self.render("crm/settings_channel.html", context, status=status)


class ChannelToggleView(ManagerView):
    def manager_post(self, request, pk):
        channel = get_scoped(Channel.objects.all(), tenant=self.tenant, pk=pk)
        channel_update(channel=channel, changes={"enabled": not channel.enabled}, by=self.by())
        state = _("enabled") if channel.enabled else _("disabled")
        messages.success(request, _("Channel %(name)s %(state)s.") % {"name": channel.name, "state": state})
        return redirect("dashboard:settings")


class ApiKeyCreateView(ManagerView):
    """Create a key: its value is shown on the page once, never stored (only its hash)."""

    def manager_post(self, request):
        form = ApiKeyForm(request.POST, least_role_rank=self.role_rank())
        if not form.is_valid():
            return self.settings_page(key_form=form, status=400)
        key, raw = api_key_create(
            tenant=self.tenant, role=form.cleaned_data["role"], label=form.cleaned_data["label"], by=self.by()
        )
        response = self.settings_page(new_key=(key, raw))
        response["Cache-Control"] = "no-store"  # the raw key must not stay in a cache
        return response


class ApiKeyRevokeView(ManagerView):
    def manager_post(self, request, pk):
        key = get_scoped(ApiKey.objects.all(), tenant=self.tenant, pk=pk)
        if Role.rank(key.role) > self.role_rank():
            raise PermissionDenied(_("Only an admin can revoke an admin's key."))
        api_key_revoke(key=key, by=self.by())
        messages.success(request, _("Key %(prefix)s… revoked.") % {"prefix": key.prefix})
        return redirect("dashboard:settings")
