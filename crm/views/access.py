"""Which tenant a staff member is working on in the dashboards, in one place."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from crm.errors import NotFoundError
from crm.models import Membership, Tenant

SESSION_KEY = "dashboard_tenant_id"


def staff_tenants(user) -> list[Tenant]:
    """Tenants the user may open: those of their memberships (every tenant for a superuser)."""
    qs = Tenant.objects.order_by("name", "pk")
    return list(qs if user.is_superuser else qs.filter(memberships__user=user).distinct())


def current_tenant(request: HttpRequest, tenants: list[Tenant]) -> Tenant:
    chosen = request.session.get(SESSION_KEY)
    return next((t for t in tenants if t.pk == chosen), tenants[0])


def tenant_timezone(tenant: Tenant) -> ZoneInfo | None:
    try:
        return ZoneInfo(tenant.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        return None  # the project's default


class DashboardView(LoginRequiredMixin, View):
    """Base of every dashboard page: ``self.tenant`` is the tenant chosen among the user's own.

    A logged-in user without a membership gets a 403 page; a missing or foreign object a 404.
    """

    nav = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tenants = staff_tenants(request.user)
        if not self.tenants:
            return render(request, "crm/no_tenant.html", status=403)
        self.tenant = current_tenant(request, self.tenants)
        try:
            with timezone.override(tenant_timezone(self.tenant)):  # dates in the tenant's local time
                return super().dispatch(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from None

    @property
    def availability(self) -> str | None:
        """The user's availability in the tenant (``None``: no membership, a superuser's visit)."""
        memberships = Membership.objects.filter(tenant=self.tenant, user=self.request.user)
        return memberships.values_list("availability", flat=True).first()

    def render(self, template: str, context: dict, status: int = 200) -> HttpResponse:
        base = {"tenant": self.tenant, "tenants": self.tenants, "nav": self.nav, "availability": self.availability}
        return render(self.request, template, {**base, **context}, status=status)


class TenantSwitchView(DashboardView):
    """POST ``tenant``: work on another of the user's tenants."""

    def post(self, request):
        wanted = request.POST.get("tenant", "")
        tenant = next((t for t in self.tenants if str(t.pk) == wanted), None)
        if tenant is None:
            raise Http404("No such tenant.")
        request.session[SESSION_KEY] = tenant.pk
        return redirect("dashboard:inbox")  # pages of the previous tenant would be 404s
