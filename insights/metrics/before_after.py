"""Before and after a switch of mode (metrics.md, "Before and after a switch").

A switch without a holdout compares two periods: whatever else changed between them
(seasonality, trends, campaigns) is in the difference, so the report says the two are
confounded and gives no estimate. A switch that started a holdout gives a
difference-in-differences: the cohorts are the same deterministic hash of the contact before
and after the switch (``experiment_cohort`` with the experiment's salt and share), so

    DiD = (treatment after - treatment before) - (holdout after - holdout before)

removes what changed for everyone; its 95% interval is the percentile interval of the same
difference over independent bootstraps of the four cells (1,000 resamples, seeds 20260301 to
20260304). Figures: the episode means (customer messages, tickets) and the mean first response.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np

from crm.models import Tenant
from crm.policies import experiment_cohort

from . import stats
from .modes import ModeTimeline
from .observed import Samples, _collect_episodes
from .replay_sql import SqlParts
from .sqltime import sql_time

FIGURES = {
    "customer_messages_per_episode": "messages",
    "tickets_per_episode": "tickets",
    "first_response_seconds_mean": "first_response",
}


class _PhaseCohorts:
    """``targets`` as observed's collectors ask it: the (phase, cohort) cell of a unit."""

    def __init__(self, switched_at: datetime, setting) -> None:
        self.switched_at, self.setting = switched_at, setting
        self.cells: dict[tuple[str, str], Samples] = defaultdict(Samples)

    def targets(self, contact_id: int, when: datetime, mode: str | None = None) -> list[Samples]:
        phase = "before" if when < self.switched_at else "after"
        return [self.cells[(phase, experiment_cohort(self.setting, contact_id))]]


def did(before_h, before_t, after_h, after_t) -> dict:
    """The difference-in-differences of four samples' means, with its 95% interval."""
    cells = [np.asarray(c, dtype=float) for c in (before_h, before_t, after_h, after_t)]
    if any(len(c) == 0 for c in cells):
        return {"value": None, "ci": None, "n": [len(c) for c in cells]}
    dists = [stats.bootstrap_distribution(c, "mean", seed=stats.SEED + i) for i, c in enumerate(cells)]
    value = (cells[3].mean() - cells[1].mean()) - (cells[2].mean() - cells[0].mean())
    dist = (dists[3] - dists[1]) - (dists[2] - dists[0])
    return {
        "value": stats._round(value),
        "ci": [stats._round(np.percentile(dist, 2.5)), stats._round(np.percentile(dist, 97.5))],
        "n": [len(c) for c in cells],
    }


def before_after(
    *, tenant: Tenant, start: datetime, end: datetime, timeline: ModeTimeline | None = None
) -> dict | None:
    """The before/after block for the last recorded switch inside ``(start, end)``, or None."""
    timeline = timeline or ModeTimeline(tenant)
    inside = [i for i, t in enumerate(timeline.times) if start < t < end and i > 0]
    if not inside:
        return None
    index = inside[-1]
    switched_at = timeline.times[index]
    previous, current = timeline.settings[index - 1], timeline.settings[index]
    block = {
        "switched_at": switched_at.isoformat(),
        "from": previous.mode,
        "to": current.mode,
        "holdout_percent": current.experiment_holdout_percent,
    }
    if current.experiment_holdout_percent is None or previous.experiment_holdout_percent is not None:
        if previous.mode == current.mode and previous.experiment_holdout_percent == current.experiment_holdout_percent:
            return None
        block["confounded"] = True
        block["warning"] = (
            "The mode changed without a holdout: a before/after comparison mixes the effect of the "
            "mode with seasonality and trends; no estimate is given."
        )
        return block
    groups = _PhaseCohorts(switched_at, current)
    parts = SqlParts(time=sql_time(), tenant_id=tenant.pk, start=start, end=end)
    _collect_episodes(groups, parts, tenant.episode_gap_hours * 3600)
    cell = groups.cells
    block["confounded"] = False
    block["difference_in_differences"] = {
        name: did(
            getattr(cell[("before", "holdout")], attr),
            getattr(cell[("before", "treatment")], attr),
            getattr(cell[("after", "holdout")], attr),
            getattr(cell[("after", "treatment")], attr),
        )
        for name, attr in FIGURES.items()
    }
    return block
