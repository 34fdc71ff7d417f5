"""Teams and SLA policies in the admin (members are set through ``/api/v1/teams/``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from crm.errors import ApplicationError
from crm.models import Role, SlaPolicy, Team
from crm.services.business_hours import business_hours_check, holidays_check

from .scoping import TenantScopedAdmin, TenantScopedForm


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    roles = {"view": Role.AGENT, "add": Role.MANAGER, "change": Role.MANAGER, "delete": Role.MANAGER}
    list_display = ["name", "assignment", "max_open_per_agent", "tenant"]
    list_filter = ["assignment"]
    list_select_related = ["tenant"]
    search_fields = ["name"]


class SlaPolicyForm(TenantScopedForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "tenant",
            "name",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "business_hours",
            "holidays",
        ]

    def _checked(self, name, check):
        try:
            return check(self.cleaned_data.get(name))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_business_hours(self):
        return self._checked("business_hours", business_hours_check)

    def clean_holidays(self):
        return self._checked("holidays", holidays_check)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(TenantScopedAdmin):
    roles = {"view": Role.AGENT, "add": Role.MANAGER, "change": Role.MANAGER, "delete": Role.MANAGER}
    form = SlaPolicyForm
    list_display = ["name", "first_response_minutes", "next_response_minutes", "resolution_minutes", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["name"]
