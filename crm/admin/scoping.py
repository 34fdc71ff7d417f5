"""The one place admin scoping lives: a staff member sees and writes only the rows of the
tenants they hold a ``Membership`` in (superusers see every tenant), with the least role each
permission needs."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import Membership, Role, Tenant
from crm.services.audit import Actor, client_address, row_delete


def staff_roles(user) -> dict[int, str] | None:
    """The staff member's role in each of their tenants; ``None`` means every tenant (superuser)."""
    if user.is_superuser:
        return None
    if not hasattr(user, "_crm_tenant_roles"):
        user._crm_tenant_roles = dict(Membership.objects.filter(user=user).values_list("tenant_id", "role"))
    return user._crm_tenant_roles


def staff_tenant_ids(user, least_role: str = Role.AGENT) -> list[int] | None:
    """Tenants in which the staff member holds at least ``least_role``; ``None`` means all."""
    roles = staff_roles(user)
    if roles is None:
        return None
    return [tenant_id for tenant_id, role in roles.items() if Role.rank(role) >= Role.rank(least_role)]


def staff_role_rank(user, tenant_id: int | None = None) -> int:
    """The staff member's role rank in ``tenant_id`` (or their highest anywhere); -1 for none."""
    roles = staff_roles(user)
    if roles is None:
        return Role.rank(Role.ADMIN)
    if tenant_id is not None:
        return Role.rank(roles[tenant_id]) if tenant_id in roles else -1
    return max((Role.rank(r) for r in roles.values()), default=-1)


def actor(request, tenant_id: int | None) -> Actor:
    """The staff member acting on ``tenant_id``'s rows: name, role there, client address."""
    user = request.user
    roles = staff_roles(user)
    role = "superuser" if roles is None else roles.get(tenant_id, "")
    return Actor(name=f"staff:{user.get_username()}", role=role, address=client_address(request))


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
    """Base of every CRM admin: rows, choices and new rows limited to the user's tenants.

    ``roles`` gives the least role each permission needs, checked in the row's own tenant:
    an admin of one tenant who is an agent in another has agent rights there.
    """

    form = TenantScopedForm
    tenant_lookup = "tenant"
    roles = {"view": Role.AGENT, "add": Role.AGENT, "change": Role.AGENT, "delete": Role.MANAGER}

    def _tenant_of(self, obj) -> int:
        return obj.pk if self.tenant_lookup == "pk" else obj.tenant_id

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = staff_tenant_ids(request.user, self.roles.get("view", Role.AGENT))
        return qs if ids is None else qs.filter(**{f"{self.tenant_lookup}__in": ids})

    def writable(self, request, queryset, action: str = "change"):
        """``queryset`` narrowed to the tenants where the user may ``action`` (for bulk actions)."""
        ids = staff_tenant_ids(request.user, self.roles.get(action, Role.ADMIN))
        return queryset if ids is None else queryset.filter(**{f"{self.tenant_lookup}__in": ids})

    def _allowed(self, request, action: str, obj=None) -> bool:
        """Without ``obj``: whether some tenant of the user allows ``action``; with it, its tenant."""
        needed = self.roles.get(action)
        user = request.user
        if needed is None or not (user.is_active and user.is_staff):
            return False
        tenant_id = None if obj is None else self._tenant_of(obj)
        return staff_role_rank(user, tenant_id) >= Role.rank(needed)

    def has_module_permission(self, request):
        return self._allowed(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view", obj) or self._allowed(request, "change", obj)

    def has_add_permission(self, request):
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None or "delete" not in self.roles:
            return self._allowed(request, "delete", obj)
        # bulk deletion works on the whole changelist: every visible tenant must allow it
        visible = staff_tenant_ids(request.user, self.roles.get("view", Role.AGENT))
        return self._allowed(request, "delete") and (
            visible is None or set(visible) <= set(staff_tenant_ids(request.user, self.roles["delete"]))
        )

    def _single_tenant(self, request) -> int | None:
        ids = staff_tenant_ids(request.user, self.roles.get("add", Role.ADMIN))
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
        # a new row's tenant is one where the user may add; other choices: any of the user's tenants
        least = self.roles.get("add", Role.ADMIN) if db_field.name == "tenant" else Role.AGENT
        return super().formfield_for_foreignkey(
            db_field, request, **scoped_fk_kwargs(self, db_field, request, kwargs, least)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """Initial values from the query string, less related rows the user may not choose."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.is_relation and field.related_model is not None:
                key = field.target_field.name if field.many_to_one else "pk"
                values = value if isinstance(value, list) else [value]
                try:
                    allowed = scoped_choices(field.related_model, request).filter(**{f"{key}__in": values}).count()
                except (ValueError, ValidationError):
                    allowed = -1
                if allowed != len(set(values)):
                    del initial[name]
        return initial

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def save_model(self, request, obj, form, change):
        if self.tenant_lookup == "tenant" and obj.tenant_id is None:
            obj.tenant_id = self._single_tenant(request)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        """Every deletion through the admin is in the tenant's audit log (a tenant's own
        deletion takes its log with it)."""
        if self.tenant_lookup == "pk":
            return super().delete_model(request, obj)
        row_delete(tenant=obj.tenant, row=obj, by=actor(request, obj.tenant_id))

    def delete_queryset(self, request, queryset):
        if self.tenant_lookup == "pk":
            return super().delete_queryset(request, queryset)
        for obj in queryset.select_related("tenant"):
            self.delete_model(request, obj)


def scoped_choices(model, request, least_role: str = Role.AGENT):
    """Rows of ``model`` a form may offer: those of the tenants where the user holds ``least_role``."""
    ids = staff_tenant_ids(request.user, least_role)
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


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input whose label names the row only when the user may choose it (the stock
    widget looks the id up in every tenant: a foreign id in the query string or in a refused
    form would show another tenant's row)."""

    def __init__(self, rel, admin_site, *, queryset, **kwargs):
        super().__init__(rel, admin_site, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        try:
            visible = self.queryset.filter(**{self.rel.get_related_field().name: value}).exists()
        except (ValueError, ValidationError):
            visible = False
        return super().label_and_url_for_value(value) if visible else ("", "")


def scoped_fk_kwargs(model_admin, db_field, request, kwargs: dict, least_role: str = Role.AGENT) -> dict:
    """``formfield_for_foreignkey`` keywords of every scoped admin and inline: the choices are
    the rows of the user's tenants, and a raw-id widget labels through the same rows."""
    kwargs.setdefault("queryset", scoped_choices(db_field.related_model, request, least_role=least_role))
    if db_field.name in model_admin.raw_id_fields and "widget" not in kwargs:
        kwargs["widget"] = ScopedRawIdWidget(
            db_field.remote_field, model_admin.admin_site, queryset=kwargs["queryset"], using=kwargs.get("using")
        )
    return kwargs


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """The values offered are those of the rows the admin shows (the stock filter reads every
    tenant's rows when the field is on a related model)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        rows = model_admin.get_queryset(request).distinct().order_by(field_path)
        self.lookup_choices = rows.values_list(field_path, flat=True)


def scoped_list_filter(model, entry):
    """A ``list_filter`` entry whose choices come only from the rows the admin shows: the stock
    filters of a relation, and of a plain field reached through one, list every tenant's."""
    if isinstance(entry, str):
        path = entry
    elif isinstance(entry, tuple) and entry[1] is admin.RelatedFieldListFilter:
        path = entry[0]
    else:
        return entry  # a filter class of our own, or a stock one that reads no rows
    field = get_fields_from_path(model, path)[-1]
    if field.is_relation:
        return (path, admin.RelatedOnlyFieldListFilter)
    if not field.flatchoices and not isinstance(field, models.BooleanField | models.DateField):
        return (path, ScopedAllValuesFieldListFilter)
    return entry


class ScopedInline(admin.TabularInline):
    extra = 0
    form = TenantScopedForm
    formset = TenantInlineFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **scoped_fk_kwargs(self, db_field, request, kwargs))

    readonly = False

    def _role(self, request, parent) -> int:
        """The user's role in the parent row's tenant (``parent`` is ``None`` on an add page)."""
        return staff_role_rank(request.user, getattr(parent, "tenant_id", None))

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin decides

    def has_add_permission(self, request, obj=None):
        return not self.readonly and self._role(request, obj) >= Role.rank(Role.AGENT)

    def has_change_permission(self, request, obj=None):
        return not self.readonly and self._role(request, obj) >= Role.rank(Role.AGENT)

    def has_delete_permission(self, request, obj=None):
        return not self.readonly and self._role(request, obj) >= Role.rank(Role.MANAGER)


class ReadOnlyMixin:
    """History rows: never written through the admin."""

    roles = {"view": Role.AGENT}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
