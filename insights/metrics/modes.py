"""Which policy handled a contact at a given time: recorded mode changes and experiment cohorts."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

from crm.models import ModeChange, Tenant
from crm.policies import cohort_mode, effective_mode, experiment_cohort
from crm.policies.registry import HOLDOUT, TREATMENT


@dataclass(frozen=True)
class _Setting:
    """The tenant's settings as they were at one time (what ``effective_mode`` reads)."""

    mode: str
    experiment_salt: str
    experiment_holdout_percent: int | None


class ModeTimeline:
    """The tenant's recorded mode changes; answers (effective mode, cohort) for a contact."""

    def __init__(self, tenant: Tenant) -> None:
        rows = list(
            ModeChange.objects.filter(tenant=tenant)
            .order_by("changed_at", "id")
            .values_list("changed_at", "mode", "experiment")
        )
        if not rows:
            rows = [(tenant.created_at, tenant.mode, self._current_experiment(tenant))]
        self.times = [r[0] for r in rows]
        self.settings = [
            _Setting(mode, tenant.experiment_salt, (experiment or {}).get("holdout_percent"))
            for _, mode, experiment in rows
        ]

    @staticmethod
    def _current_experiment(tenant: Tenant) -> dict | None:
        return (
            None
            if tenant.experiment_holdout_percent is None
            else {"holdout_percent": tenant.experiment_holdout_percent}
        )

    def setting_at(self, when: datetime) -> _Setting:
        return self.settings[max(0, bisect.bisect_right(self.times, when) - 1)]

    def at(self, contact_id: int, when: datetime) -> tuple[str, str | None]:
        setting = self.setting_at(when)
        return effective_mode(setting, contact_id), experiment_cohort(setting, contact_id)

    def modes_between(self, start: datetime, end: datetime) -> set[str]:
        """Modes some contact may have been handled under during ``[start, end)``."""
        first = max(0, bisect.bisect_right(self.times, start) - 1)
        modes: set[str] = set()
        for i in range(first, len(self.times)):
            if self.times[i] >= end and i > first:
                break
            setting = self.settings[i]
            if setting.experiment_holdout_percent is None:
                modes.add(setting.mode)
            else:
                pct = setting.experiment_holdout_percent
                modes.update(
                    {cohort_mode(HOLDOUT)} if pct > 0 else set(),
                    {cohort_mode(TREATMENT)} if pct < 100 else set(),
                )
        return modes

    def experiment_between(self, start: datetime, end: datetime) -> dict | None:
        first = max(0, bisect.bisect_right(self.times, start) - 1)
        for i in range(first, len(self.times)):
            if i > first and self.times[i] >= end:
                break
            if self.settings[i].experiment_holdout_percent is not None:
                return {"holdout_percent": self.settings[i].experiment_holdout_percent}
        return None
