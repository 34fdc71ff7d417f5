"""Admin for tenants, mode history, staff memberships, API keys and channels."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.errors import ApplicationError
from crm.models import (
    ApiKey,
    Channel,
    Membership,
    ModeChange,
    Role,
    Tenant,
)
from crm.providers import provider_channel_status, provider_choices
from crm.services.tenants import (
    api_key_create,
    api_key_revoke,
    channel_check,
    channel_create,
    channel_delete,
    channel_update,
    tenant_create,
    tenant_update,
)

from .deletes import DeleteThroughService
from .scoping import (
    ReadOnlyMixin,
    ScopedInline,
    TenantScopedAdmin,
    TenantScopedForm,
    actor,
    staff_role_rank,
)


class ModeChangeInline(ReadOnlyMixin, ScopedInline):
    model = ModeChange
    fields = ["changed_at", "mode", "experiment", "changed_by"]
    readonly = True


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    tenant_lookup = "pk"
    form = forms.ModelForm
    roles = {"view": Role.AGENT, "change": Role.MANAGER}  # as the API: PATCH /tenant/ is a manager's
    list_display = ["slug", "name", "mode", "experiment_holdout_percent", "created_at"]
    list_filter = ["mode"]
    search_fields = ["slug", "name"]
    readonly_fields = ["experiment_started_at", "experiment_salt", "created_at"]
    inlines = [ModeChangeInline]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        """Mode and experiment changes go through ``tenant_update`` so they are recorded."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if "experiment_holdout_percent" in changes:
            percent = changes.pop("experiment_holdout_percent")
            changes["experiment"] = None if percent is None else {"holdout_percent": percent}
        if not change:
            created = tenant_create(slug=obj.slug, name=obj.name, mode=obj.mode, by=actor(request, None))
            changes = {k: v for k, v in changes.items() if k not in ("slug", "name", "mode")}
            obj.pk, obj._state.adding = created.pk, False
        updated = tenant_update(tenant=obj, changes=changes, by=actor(request, obj.pk))
        obj.__dict__.update({k: v for k, v in updated.__dict__.items() if k != "_state"})


@admin.register(ModeChange)
class ModeChangeAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["tenant", "changed_at", "mode", "experiment", "changed_by"]
    list_filter = ["mode"]
    list_select_related = ["tenant"]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    roles = {"view": Role.AGENT, "add": Role.ADMIN, "change": Role.ADMIN, "delete": Role.ADMIN}
    list_display = ["user", "tenant", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "tenant"]
    search_fields = ["user__username", "user__email"]


class ApiKeyForm(TenantScopedForm):
    class Meta:
        model = ApiKey
        fields = ["tenant", "role", "label"]

    user = None  # the staff member creating the key (set by ApiKeyAdmin.get_form)

    def clean(self):
        data = super().clean()
        tenant_id, role = self.form_tenant_id(), data.get("role")
        if tenant_id is not None and role and Role.rank(role) > staff_role_rank(self.user, tenant_id):
            self.add_error("role", _("A key cannot have a role above your own in this tenant."))
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    """Keys are created here (the raw key is shown once) and revoked; only the hash is stored."""

    roles = {"view": Role.MANAGER, "add": Role.MANAGER, "change": Role.MANAGER}
    form = ApiKeyForm
    list_display = ["prefix", "label", "role", "tenant", "created_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["tenant"]
    search_fields = ["prefix", "label"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["role", "label"])
            return
        key, raw = api_key_create(tenant=obj.tenant, role=obj.role, label=obj.label, by=actor(request, obj.tenant_id))
        obj.__dict__.update({k: v for k, v in key.__dict__.items() if k != "_state"})
        obj._state.adding, obj._state.db = False, key._state.db
        messages.warning(request, _("New API key (copy it now, it will not be shown again): %(key)s") % {"key": raw})

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request, queryset):
        keys = self.writable(request, queryset, "change").filter(revoked_at__isnull=True).select_related("tenant")
        count = sum(api_key_revoke(key=key, by=actor(request, key.tenant_id)) for key in keys)
        self.message_user(request, ngettext("%d key revoked.", "%d keys revoked.", count) % count)


class ChannelForm(TenantScopedForm):
    provider = forms.ChoiceField(label=_("provider"), choices=provider_choices, initial="console")
    new_credentials = forms.CharField(
        label=_("credentials (JSON object)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write-only: leave empty to keep the stored credentials; they are never shown."),
    )

    class Meta:
        model = Channel
        fields = ["tenant", "kind", "name", "provider", "address", "enabled"]

    def clean_new_credentials(self):
        raw = self.cleaned_data["new_credentials"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValidationError(_("Enter a JSON object.")) from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValidationError(_("Enter a JSON object of strings."))
        return value

    def clean(self):
        data = super().clean()
        if "provider" not in data or "kind" not in data:
            return data  # the field's own error says why
        credentials = data.get("new_credentials")
        if credentials is None and (self.instance.pk is None or "provider" in self.changed_data):
            credentials = self.instance.credentials  # the stored ones, checked for the new provider
        try:
            channel_check(kind=data["kind"], provider=data["provider"], credentials=credentials)
        except ApplicationError as exc:
            for field, errors in (exc.extra or {"provider": [exc.message]}).items():
                self.add_error("provider" if field == "provider" else "new_credentials", errors)
        return data


@admin.register(Channel)
class ChannelAdmin(DeleteThroughService, TenantScopedAdmin):
    delete_service = channel_delete
    roles = {"view": Role.AGENT, "add": Role.ADMIN, "change": Role.ADMIN, "delete": Role.ADMIN}
    form = ChannelForm
    list_display = ["name", "kind", "provider", "address", "enabled", "tenant"]
    list_filter = ["kind", "provider", "enabled"]
    list_select_related = ["tenant"]
    search_fields = ["name", "address"]
    readonly_fields = ["credential_keys", "webhook_url", "provider_status"]

    def save_model(self, request, obj, form, change):
        """Through the services, so that new credentials are in the audit log (their keys)."""
        by = actor(request, obj.tenant_id or self._single_tenant(request))
        fields = {name: getattr(obj, name) for name in ("kind", "name", "provider", "address", "enabled")}
        credentials = form.cleaned_data.get("new_credentials")
        if change:
            changes = {name: value for name, value in fields.items() if name in form.changed_data}
            if credentials is not None:
                changes["credentials"] = credentials
            saved = channel_update(
                channel=Channel.objects.select_related("tenant").get(pk=obj.pk), changes=changes, by=by
            )
        else:
            tenant = Tenant.objects.get(pk=obj.tenant_id or self._single_tenant(request))
            saved = channel_create(tenant=tenant, **fields, credentials=credentials, by=by)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding, obj._state.db = False, saved._state.db

    @admin.display(description=_("provider status"))
    def provider_status(self, obj):
        status = provider_channel_status(obj) if obj.pk else None
        return (
            ", ".join(f"{key}: {value}" for key, value in status.items() if value not in ("", None)) if status else "-"
        )

    @admin.display(description=_("stored credentials"))
    def credential_keys(self, obj):
        return ", ".join(sorted(obj.credentials)) or "-"

    @admin.display(description=_("webhook URL"))
    def webhook_url(self, obj):
        from crm.api.channels import webhook_url

        return webhook_url(obj) if obj.pk else "-"
