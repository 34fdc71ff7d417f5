"""The comparison report (metrics.md, "The report"): profile, replay and observed figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from crm.models import Tenant
from simulator.selectors import simulation_assumptions_for

from .history import report_extend
from .observed import observed_metrics
from .profile import profile_metrics
from .replay import replay_metrics

DEFAULT_DAYS = 30


def default_period(*, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """``end`` defaults to now, ``start`` to 30 days before ``end``."""
    end = end or timezone.now()
    return start or end - timedelta(days=DEFAULT_DAYS), end


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: the steps of ``comparison_report``, in order, as ``on_step`` names them
STEPS = ("observed", "profile", "replay")


def comparison_report(
    *,
    tenant: Tenant,
    start: datetime | None = None,
    end: datetime | None = None,
    assumptions: list | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict:
    """The report for ``[start, end)``; ``assumptions`` only when the data is simulated.
    ``on_step(name)`` is called before each of ``STEPS`` (a progress indicator)."""
    start, end = default_period(start=start, end=end)
    step = on_step or (lambda name: None)
    step("observed")
    observed, experiment = observed_metrics(tenant=tenant, start=start, end=end)
    step("profile")
    profile = profile_metrics(tenant=tenant, start=start, end=end)
    step("replay")
    report = {
        "tenant": tenant.slug,
        "start": _iso(start),
        "end": _iso(end),
        "episode_gap_hours": tenant.episode_gap_hours,
        "profile": profile,
        "replay": replay_metrics(tenant=tenant, start=start, end=end),
        "observed": observed,
    }
    if experiment is not None:
        report["experiment"] = experiment
    if assumptions is None:
        assumptions = simulation_assumptions(tenant=tenant, start=start, end=end)
    if assumptions:
        report["assumptions"] = assumptions
    return report_extend(report, tenant=tenant, start=start, end=end)


def simulation_assumptions(*, tenant: Tenant, start: datetime, end: datetime) -> list:
    """The behavioural assumptions of simulations whose virtual time overlaps the period."""
    return simulation_assumptions_for(tenant=tenant, start=start, end=end)
