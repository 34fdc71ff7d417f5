"""Whether an agent of the tenant is online, for the widget's offline mode.

The signal: a staff member of the tenant requested a dashboard or admin page in the last
``WIDGET_AGENT_ONLINE_MINUTES`` (5). ``DashboardPresenceMiddleware`` notes it in the cache (the
one the API throttle uses: with several processes it must be shared, e.g. Redis), at most once
a minute per user, so it costs a page one cache call. ``agents_online`` is the only reader:
when memberships get an availability (online/away), it is the one function to change.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from crm.api.throttling import CACHE_ERRORS
from crm.models import Membership, Tenant

logger = logging.getLogger(__name__)
STAFF_PREFIXES = ("/dashboard/", "/admin/")
NOTE_EVERY_SECONDS = 60


def _tenant_key(tenant_id: int) -> str:
    return f"widget:presence:tenant:{tenant_id}"


def agents_online(tenant: Tenant) -> bool:
    """True when a staff member of ``tenant`` was active in the dashboards lately."""
    try:
        return cache.get(_tenant_key(tenant.pk)) is not None
    except CACHE_ERRORS:
        return False  # unknown: the widget offers to leave an e-mail address


def staff_active(user) -> None:
    """Note that ``user`` is active in the dashboards of every tenant they belong to."""
    try:
        if not cache.add(f"widget:presence:user:{user.pk}", 1, timeout=NOTE_EVERY_SECONDS):
            return
        tenant_ids = Membership.objects.filter(user=user).values_list("tenant_id", flat=True)
        cache.set_many({_tenant_key(t): 1 for t in tenant_ids}, timeout=settings.WIDGET_AGENT_ONLINE_MINUTES * 60)
    except (*CACHE_ERRORS, DatabaseError) as exc:  # a note, never the page's failure
        logger.warning("widget presence not recorded: %r", exc)


class DashboardPresenceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A page served (not an error: during a database outage the user cannot be read).
        if response.status_code < 400 and request.path.startswith(STAFF_PREFIXES):
            user = getattr(request, "user", None)  # a staff login (the API's callers are keys)
            if getattr(user, "is_staff", False) and user.is_authenticated:
                staff_active(user)
        return response
