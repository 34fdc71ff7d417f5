"""``simulation_run``: synthetic customers driving the real services in virtual time."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from crm.models import Tenant

from .behaviour import Behaviour
from .engine import Clock, Simulation
from .models import SimulationRun
from .population import channels_ensure, customers_create

JOURNEYS = ("cart-abandonment", "product-viewed-offer")


def _journeys_ensure(tenant: Tenant) -> list[str]:
    from journeys.services.ready_made import journey_install

    installed = []
    for slug in JOURNEYS:
        _, created = journey_install(tenant=tenant, slug=slug)
        if created:
            installed.append(slug)
    return installed


def simulation_run(
    *,
    tenant: Tenant,
    customers: int,
    days: int,
    seed: int,
    start: datetime,
    behaviour: Behaviour | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> SimulationRun:
    """Simulate ``customers`` over ``days`` from ``start``; deterministic for ``seed``.

    Creates the console channels and ready-made journeys it needs when the tenant lacks them.
    Returns the recorded run, whose ``assumptions`` the comparison report shows.
    """
    behaviour = behaviour or Behaviour()
    rng = random.Random(seed)
    end = start + timedelta(days=days)
    channels, created = channels_ensure(tenant)
    journeys = _journeys_ensure(tenant)
    run = SimulationRun.objects.create(
        tenant=tenant,
        seed=seed,
        customers=customers,
        days=days,
        start=start,
        end=end,
        assumptions=behaviour.statements(),
    )
    people = customers_create(tenant=tenant, rng=rng, behaviour=behaviour, count=customers, tag=f"{seed}-{run.pk}")
    sim = Simulation(
        tenant=tenant,
        channels=channels,
        customers=people,
        rng=rng,
        behaviour=behaviour,
        clock=Clock(start=start, end=end),
        tag=f"{run.pk}",
    )
    sim.plan()
    counts = sim.run(on_day=on_day)
    run.counts = {
        "channels created": created,
        "journeys installed": journeys,
        **dict(sorted(counts.items())),
    }
    run.save(update_fields=["counts"])
    return run
