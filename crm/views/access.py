"""Which tenant a staff member is working on in the dashboards, in one place."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from crm.errors import NotFoundError
from crm.models import Role, Tenant
from crm.selectors.notes import mentions_unread_count

SESSION_KEY = "dashboard_tenant_id"


def staff_tenants(user) -> list[Tenant]:
    """Tenants the user may open: those of their memberships (every tenant for a superuser)."""
    qs = Tenant.objects.order_by("name", "pk")
    if user.is_superuser:
        return list(qs)
    # the user's role there comes with each tenant (one membership per user and tenant)
    return list(
        qs.filter(memberships__user=user).annotate(
            staff_role=F("memberships__role"), staff_availability=F("memberships__availability")
        )
    )


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
            if request.method == "GET" and (owner := self._other_tenant_of(kwargs)) is not None:
                request.session[SESSION_KEY] = owner.pk  # a link to another of the user's tenants
                return redirect(request.get_full_path())
            raise Http404(exc.message) from None

    @property
    def availability(self) -> str | None:
        """The user's availability in the tenant (``None``: no membership, a superuser's visit),
        read with the user's tenants (no query of its own)."""
        return getattr(self.tenant, "staff_availability", None)

    #: the model of the object in the URL (``pk``), for a link to another of the user's tenants
    owned_model = None

    def _other_tenant_of(self, kwargs: dict) -> Tenant | None:
        """The user's other tenant owning the page's object, if one does (else ``None``)."""
        if self.owned_model is None or "pk" not in kwargs:
            return None
        owner_id = self.owned_model.objects.filter(pk=kwargs["pk"]).values_list("tenant_id", flat=True).first()
        return next((t for t in self.tenants if t.pk == owner_id and t.pk != self.tenant.pk), None)

    def role_rank(self) -> int:
        """The user's role in the current tenant, as ``Role.rank`` (a superuser ranks as admin)."""
        if self.request.user.is_superuser:
            return Role.rank(Role.ADMIN)
        found = getattr(self.tenant, "staff_role", None)
        return -1 if found is None else Role.rank(found)

    def render(self, template: str, context: dict, status: int = 200) -> HttpResponse:
        base = {
            "tenant": self.tenant,
            "tenants": self.tenants,
            "nav": self.nav,
            "can_manage": self.role_rank() >= Role.rank(Role.MANAGER),
            "availability": self.availability,
        }
        # called only by a template that shows it (the top bar's mentions link)
        base["mentions_unread"] = partial(mentions_unread_count, tenant=self.tenant, user=self.request.user)
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
