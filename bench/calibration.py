"""A/A calibration: do the report's 95% intervals cover a difference of zero 95% of the time?

``python -m bench calibration`` (or ``python -m bench.calibration``) simulates a shop
(``simulate``'s services, on a SQLite database of its own), then runs 200 A/A experiments on
it: each splits the contacts into two cohorts at random (a new split each time, half and half)
and computes every observed figure of metrics.md for each cohort with the report's own
functions (``stats.difference`` for medians and means, ``stats.rate_difference`` for rates,
``sales`` for the sales figures), then counts the experiments whose interval of
(B - A) holds 0. Both cohorts come from one population, so about 95% should (93-97%).

Knobs: ``BENCH_CALIBRATION_EXPERIMENTS`` (200), ``BENCH_CALIBRATION_CUSTOMERS`` (150),
``BENCH_CALIBRATION_DAYS`` (30).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta

TARGET = (0.93, 0.97)


class _PerContact:
    """``targets`` as observed's collectors ask it: one bucket per contact."""

    def __init__(self) -> None:
        from insights.metrics.observed import Samples

        self.cells = defaultdict(Samples)

    def targets(self, contact_id, when, mode=None):
        return [self.cells[contact_id]]


def _units(tenant, start, end) -> dict:
    from django.db.models import Count

    from insights.metrics import observed
    from insights.metrics.replay_sql import SqlParts
    from insights.metrics.sales import PURCHASE_EVENT, _amount, _first_activity
    from insights.metrics.sqltime import sql_time
    from journeys.models import Enrollment

    groups = _PerContact()
    parts = SqlParts(time=sql_time(), tenant_id=tenant.pk, start=start, end=end)
    observed._collect_episodes(groups, parts, tenant.episode_gap_hours * 3600)
    observed._collect_tickets(groups, tenant, start, end)
    observed._collect_csat(groups, tenant, start, end)
    observed._collect_opt_outs(groups, tenant, start, end)
    enrolled = defaultdict(lambda: [0, 0])
    for row in (
        Enrollment.objects.filter(tenant=tenant, enrolled_at__gte=start, enrolled_at__lt=end)
        .values("contact_id")
        .annotate(n=Count("id"), converted=Count("converted_at"))
    ):
        enrolled[row["contact_id"]] = [row["n"], row["converted"]]
    from crm.models import Event

    orders = defaultdict(list)
    for cid, props in Event.objects.filter(
        tenant=tenant, name=PURCHASE_EVENT, occurred_at__gte=start, occurred_at__lt=end
    ).values_list("contact_id", "properties"):
        if (parsed := _amount(props)) is not None:
            orders[cid].append(parsed[0])
    active = sorted(_first_activity(tenant, start, end))
    return {"cells": groups.cells, "enrolled": enrolled, "orders": orders, "active": active}


def _intervals(units: dict, cohort_a: set[int]) -> dict:
    """(B - A) interval of each figure for one split."""
    from insights.metrics import stats
    from insights.metrics.sales import SalesSamples, sales_difference

    def pool(attr, members):
        return [v for c in members for v in getattr(units["cells"][c], attr)] if units["cells"] else []

    active = units["active"]
    a = [c for c in active if c in cohort_a]
    b = [c for c in active if c not in cohort_a]
    out = {
        "first_response_seconds_median": stats.difference(
            pool("first_response", a), pool("first_response", b), "median"
        ),
        "resolution_seconds_median": stats.difference(pool("resolution", a), pool("resolution", b), "median"),
        "customer_messages_per_episode": stats.difference(pool("messages", a), pool("messages", b), "mean"),
        "tickets_per_episode": stats.difference(pool("tickets", a), pool("tickets", b), "mean"),
        "csat": stats.difference(pool("csat", a), pool("csat", b), "mean"),
    }

    def enrol(members):
        rows = [units["enrolled"][c] for c in members if c in units["enrolled"]]
        return sum(r[1] for r in rows), sum(r[0] for r in rows)

    (ca, na), (cb, nb) = enrol(a), enrol(b)
    out["journey_conversion_rate"] = stats.rate_difference(ca, na, cb, nb)
    cells = units["cells"]
    messaged_a = [c for c in a if cells[c].messaged]
    messaged_b = [c for c in b if cells[c].messaged]
    out["opt_out_rate"] = stats.rate_difference(
        sum(bool(cells[c].opted_out) for c in messaged_a),
        len(messaged_a),
        sum(bool(cells[c].opted_out) for c in messaged_b),
        len(messaged_b),
    )

    def sales(members):
        s = SalesSamples()
        for c in members:
            o = units["orders"].get(c, [])
            s.revenue.append(sum(o))
            s.orders.extend(o)
            s.buyers += bool(o)
            s.repeat_buyers += len(o) >= 2
        return s

    out.update(sales_difference(sales(a), sales(b)))
    return out


def measure(experiments: int, customers: int, days: int) -> dict:
    import django

    django.setup()
    from crm.services.tenants import tenant_create
    from simulator.services import simulation_run

    start = datetime(2026, 1, 5, tzinfo=UTC)
    tenant = tenant_create(slug="calibration", name="Calibration", mode="omnichannel", by="bench")
    simulation_run(tenant=tenant, customers=customers, days=days, seed=7, start=start)
    units = _units(tenant, start, start + timedelta(days=days))
    rng = random.Random(20260301)
    covered: dict[str, int] = defaultdict(int)
    counted: dict[str, int] = defaultdict(int)
    for _ in range(experiments):
        cohort_a = {c for c in units["active"] if rng.random() < 0.5}
        for metric, figure in _intervals(units, cohort_a).items():
            if figure["ci"] is None:
                continue
            counted[metric] += 1
            low, high = figure["ci"]
            covered[metric] += low <= 0 <= high
    coverage = {m: round(covered[m] / counted[m], 3) for m in sorted(counted)}
    return {
        "active_contacts": len(units["active"]),
        "experiments": experiments,
        "coverage": coverage,
        "experiments_with_an_interval": dict(sorted(counted.items())),
        "within_target": {m: TARGET[0] <= v <= TARGET[1] for m, v in coverage.items()},
    }


def run() -> dict:
    from bench.machine import describe
    from bench.server import ServerConfig, manage, python_module

    experiments = int(os.environ.get("BENCH_CALIBRATION_EXPERIMENTS", "200"))
    customers = int(os.environ.get("BENCH_CALIBRATION_CUSTOMERS", "150"))
    days = int(os.environ.get("BENCH_CALIBRATION_DAYS", "30"))
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(database_url=f"sqlite:///{tmp}/calibration.sqlite3", cache_url="locmemcache://")
        manage(config, "migrate", "--noinput")
        figures = json.loads(
            python_module(config, "bench.calibration", "--measure", str(experiments), str(customers), str(days))
        )
    return {
        "name": "calibration",
        "customers": customers,
        "days": days,
        **figures,
        "target": list(TARGET),
        "machine": describe(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    else:
        print(json.dumps(run(), indent=2))
