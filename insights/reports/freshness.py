"""When a stored report is out of date: newer log rows, or a change of the tenant's settings.

At computation start the newest id of each log table of the tenant is recorded (one query);
reading a report asks, in one query whatever the data size, whether any table has a newer row
of the tenant (a range scan of the primary key above the watermark). A mode change is a new
``ModeChange`` row; the other settings the figures read are held in ``settings_key``.
"""

from __future__ import annotations

import hashlib
import json

from django.db.models import Exists, OuterRef, Subquery

from crm.models import Event, Message, ModeChange, Tenant, Ticket
from journeys.models import Enrollment, OfferRedemption, StepRun

#: name -> model of every table whose rows the report counts
LOG_TABLES = {
    "message": Message,
    "event": Event,
    "ticket": Ticket,
    "mode_change": ModeChange,
    "enrollment": Enrollment,
    "step_run": StepRun,
    "redemption": OfferRedemption,
}


def watermarks(tenant: Tenant) -> dict[str, int]:
    """The newest id of each log table for the tenant (0 when empty), in one query."""
    newest = {
        name: Subquery(model.objects.filter(tenant_id=OuterRef("pk")).order_by("-pk").values("pk")[:1])
        for name, model in LOG_TABLES.items()
    }
    row = Tenant.objects.filter(pk=tenant.pk).annotate(**newest).values(*newest).get()
    return {name: value or 0 for name, value in row.items()}


def newer_rows(tenant: Tenant, marks: dict[str, int]) -> list[str]:
    """The log tables with a row of the tenant newer than its watermark, in one query."""
    newer = {
        f"new_{name}": Exists(model.objects.filter(tenant_id=tenant.pk, pk__gt=marks.get(name, 0)))
        for name, model in LOG_TABLES.items()
    }
    row = Tenant.objects.filter(pk=tenant.pk).annotate(**newer).values(*newer).get()
    return [name.removeprefix("new_") for name, value in row.items() if value]


def settings_key(tenant: Tenant) -> str:
    """A digest of the tenant settings the figures depend on (besides the mode history)."""
    relevant = {
        "episode_gap_hours": tenant.episode_gap_hours,
        "frequency_cap": [tenant.frequency_cap_max_sends, tenant.frequency_cap_days],
        "offer_links": tenant.offer_links,
        "mode": tenant.mode,
        "experiment": tenant.experiment_holdout_percent,
        "salt": tenant.experiment_salt,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:32]
