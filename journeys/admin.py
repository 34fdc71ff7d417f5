"""Admin for journeys, enrollments, step runs, offers and redemptions, scoped to the staff
member's tenants (``crm.admin.scoping``). Journeys are validated like the API; ready-made
journeys are installed from the journey list ("Install a ready-made journey")."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from crm.admin.deletes import DeleteThroughService
from crm.admin.scoping import ReadOnlyMixin, TenantScopedAdmin, TenantScopedForm, scoped_choices
from crm.errors import ApplicationError
from crm.models import Role, Tenant

from .models import Enrollment, Journey, Offer, OfferRedemption, StepRun
from .services.journeys import journey_delete
from .services.ready_made import READY_MADE, journey_install
from .steps import steps_validate


class JourneyForm(TenantScopedForm):
    def clean(self):
        data = super().clean()
        tenant_id = self.form_tenant_id()
        if tenant_id and "steps" in data:
            try:
                steps_validate(tenant=Tenant.objects.get(pk=tenant_id), steps=data["steps"])
            except ApplicationError as exc:
                self.add_error("steps", exc.message)
        return data


class InstallForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), label=_("tenant"))
    journey = forms.ChoiceField(choices=[(slug, spec["name"]) for slug, spec in READY_MADE.items()])

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        # only the tenants where the user may add journeys (a manager there)
        self.fields["tenant"].queryset = scoped_choices(Tenant, request, least_role=Role.MANAGER)


@admin.register(Journey)
class JourneyAdmin(DeleteThroughService, TenantScopedAdmin):
    delete_service = journey_delete
    form = JourneyForm
    roles = {"view": Role.AGENT, "add": Role.MANAGER, "change": Role.MANAGER, "delete": Role.MANAGER}
    list_display = ["name", "tenant", "trigger_event", "goal_event", "active", "created_at"]
    list_filter = ["active", "tenant"]
    search_fields = ["name", "trigger_event"]
    readonly_fields = ["slug"]
    change_list_template = "journeys/admin/journey_changelist.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.install_view)
        return [path("install/", view, name="journeys_journey_install"), *super().get_urls()]

    def install_view(self, request):
        if not self._allowed(request, "add"):
            return redirect(reverse("admin:journeys_journey_changelist"))
        form = InstallForm(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            try:
                journey, created = journey_install(
                    tenant=form.cleaned_data["tenant"], slug=form.cleaned_data["journey"]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                note = _("Installed “%s”.") if created else _("“%s” was already installed.")
                messages.success(request, note % journey.name)
                return redirect(reverse("admin:journeys_journey_change", args=[journey.pk]))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Install a ready-made journey"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "journeys/admin/install.html", context)


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["journey", "contact", "mode", "cohort", "status", "current_step", "next_run_at", "enrolled_at"]
    list_filter = ["status", "mode", "cohort"]
    list_select_related = ["journey", "contact"]
    raw_id_fields = ["contact", "trigger_event"]


@admin.register(StepRun)
class StepRunAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["at", "journey", "contact", "step_index", "step_type", "channel_kind", "outcome", "reason", "mode"]
    list_filter = ["outcome", "reason", "step_type", "channel_kind", "mode"]
    list_select_related = ["journey", "contact"]
    raw_id_fields = ["enrollment", "contact", "message"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["code", "contact", "issued_kind", "issued_at", "expires_at", "redeemed_at"]
    search_fields = ["code"]
    list_select_related = ["contact"]
    raw_id_fields = ["contact", "enrollment"]


@admin.register(OfferRedemption)
class OfferRedemptionAdmin(ReadOnlyMixin, TenantScopedAdmin):
    list_display = ["at", "offer", "channel_kind", "accepted", "reason", "mode"]
    list_filter = ["accepted", "reason", "mode"]
    list_select_related = ["offer"]
    raw_id_fields = ["offer"]
