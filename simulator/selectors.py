from __future__ import annotations

from datetime import datetime

from crm.models import Tenant

from .models import SimulationRun


def simulation_assumptions_for(*, tenant: Tenant, start: datetime, end: datetime) -> list:
    """Assumptions of the simulations of ``tenant`` overlapping ``[start, end)``, oldest first
    (empty when the data is not simulated)."""
    runs = SimulationRun.objects.filter(tenant=tenant, start__lt=end, end__gt=start).order_by("start", "id")
    out: list = []
    for run in runs:
        for item in run.assumptions:
            if item not in out:
                out.append(item)
    return out
