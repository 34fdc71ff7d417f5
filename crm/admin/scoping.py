"""The one place admin scoping lives: a staff member sees and writes only the rows of the
tenants they hold a ``Membership`` in (superusers see every tenant), with the least role each
permission needs."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import Membership, Role, Tenant


def staff_tenant_ids(user) -> list[int] | None:
    """Tenants a staff member may see in the admin; ``None`` means all (superuser)."""
    if user.is_superuser:
        return None
    if not hasattr(user, "_crm_tenant_roles"):
        user._crm_tenant_roles = dict(Membership.objects.filter(user=user).values_list("tenant_id", "role"))
    return list(user._crm_tenant_roles)


def staff_role_rank(user) -> int:
    """The highest role the staff member holds in any tenant (-1 without a membership)."""
    if staff_tenant_ids(user) is None:
        return Role.rank(Role.ADMIN)
    return max((Role.rank(r) for r in user._crm_tenant_roles.values()), default=-1)


def actor(request) -> str:
    return f"staff:{request.user.get_username()}"


class TenantScopedForm(forms.ModelForm):
    """Rejects related rows of another tenant and validates constraints that include the tenant."""

    default_tenant_id: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.tenant_id is None and self.default_tenant_id is not None:
            self.instance.tenant_id = self.default_tenant_id

    def form_tenant_id(self) -> int | None:
        tenant = self.cleaned_data.get("tenant") if "tenant" in self.fields else None
        return tenant.pk if tenant is not None else self.instance.tenant_id

    def _post_clean(self):
        super()._post_clean()
        tenant_id = self.instance.tenant_id
        if tenant_id is None:
            return
        for name, value in self.cleaned_data.items():
            if getattr(value, "tenant_id", tenant_id) != tenant_id:
                self.add_error(name, _("This belongs to another tenant."))
        if "tenant" not in self.fields:  # Django skips constraints on fields outside the form
            try:
                self.instance.validate_constraints(exclude=set(self._meta.exclude or ()) - {"tenant"})
            except ValidationError as exc:
                self._update_errors(exc)


class TenantInlineFormSet(forms.BaseInlineFormSet):
    """Rows added inline belong to the parent's tenant."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.tenant_id is None:
            form.instance.tenant_id = self.instance.tenant_id
        return form


class TenantScopedAdmin(admin.ModelAdmin):
    """Base of every CRM admin: rows, choices and new rows limited to the user's tenants."""

    form = TenantScopedForm
    tenant_lookup = "tenant"
    #: least role for each permission; a staff member's highest role across tenants counts
    roles = {"view": Role.AGENT, "add": Role.AGENT, "change": Role.AGENT, "delete": Role.MANAGER}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = staff_tenant_ids(request.user)
        return qs if ids is None else qs.filter(**{f"{self.tenant_lookup}__in": ids})

    def _allowed(self, request, action: str) -> bool:
        needed = self.roles.get(action)
        return (
            needed is not None
            and request.user.is_active
            and request.user.is_staff
            and (staff_role_rank(request.user) >= Role.rank(needed))
        )

    def has_module_permission(self, request):
        return self._allowed(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view") or self._allowed(request, "change")

    def has_add_permission(self, request):
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete")

    def _single_tenant(self, request) -> int | None:
        ids = staff_tenant_ids(request.user)
        return ids[0] if ids is not None and len(ids) == 1 else None

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self.tenant_lookup == "tenant" and (obj is not None or self._single_tenant(request)):
            exclude.append("tenant")  # a row never changes tenant
        return exclude

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, TenantScopedForm):
            form = type(form.__name__, (form,), {"default_tenant_id": self._single_tenant(request)})
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if self.tenant_lookup == "tenant" and obj.tenant_id is None:
            obj.tenant_id = self._single_tenant(request)
        super().save_model(request, obj, form, change)


def scoped_choices(model, request):
    ids = staff_tenant_ids(request.user)
    qs = model._default_manager.all()
    if ids is None:
        return qs
    if model is Tenant:
        return qs.filter(pk__in=ids)
    if model is get_user_model():
        return qs.filter(Q(memberships__tenant__in=ids) | Q(memberships__isnull=True)).distinct()
    if any(f.name == "tenant" for f in model._meta.fields):
        return qs.filter(tenant__in=ids)
    return qs


class ScopedInline(admin.TabularInline):
    extra = 0
    form = TenantScopedForm
    formset = TenantInlineFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin decides

    def has_add_permission(self, request, obj=None):
        return not self.readonly and staff_role_rank(request.user) >= 0

    def has_change_permission(self, request, obj=None):
        return not self.readonly and staff_role_rank(request.user) >= 0

    def has_delete_permission(self, request, obj=None):
        return not self.readonly and staff_role_rank(request.user) >= Role.rank(Role.MANAGER)

    readonly = False


class ReadOnlyMixin:
    """History rows: never written through the admin."""

    roles = {"view": Role.AGENT}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
