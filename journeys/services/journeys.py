"""Writes on journeys: create and update with their steps validated."""

from __future__ import annotations

from django.db import transaction

from crm.errors import ApplicationError, NotFoundError
from crm.models import Tenant
from crm.services.audit import Actor, row_delete

from ..models import Journey
from ..steps import steps_validate

EDITABLE = ("name", "trigger_event", "goal_event", "active", "steps")


def _check_names(*, name: str, trigger_event: str, goal_event: str) -> None:
    if not name.strip():
        raise ApplicationError("A journey needs a name.", {"name": ["this field is required"]})
    if not trigger_event.strip():
        raise ApplicationError("A journey needs a trigger event.", {"trigger_event": ["this field is required"]})
    if goal_event and goal_event == trigger_event:
        raise ApplicationError(
            "The goal event cannot be the trigger event.", {"goal_event": ["must differ from the trigger event"]}
        )


@transaction.atomic
def journey_create(
    *,
    tenant: Tenant,
    name: str,
    trigger_event: str,
    steps: list,
    goal_event: str = "",
    active: bool = True,
    slug: str = "",
) -> Journey:
    _check_names(name=name, trigger_event=trigger_event, goal_event=goal_event)
    steps = steps_validate(tenant=tenant, steps=steps)
    return Journey.objects.create(
        tenant=tenant,
        name=name,
        trigger_event=trigger_event,
        goal_event=goal_event,
        active=active,
        steps=steps,
        slug=slug,
    )


@transaction.atomic
def journey_update(*, journey: Journey, changes: dict) -> Journey:
    """Change a journey. Running enrollments continue at their step index on the new steps."""
    for key in EDITABLE:
        if key in changes:
            setattr(journey, key, changes[key])
    _check_names(name=journey.name, trigger_event=journey.trigger_event, goal_event=journey.goal_event)
    steps_validate(tenant=journey.tenant, steps=journey.steps)
    journey.save()
    return journey


def journey_delete(*, tenant: Tenant, journey: Journey, by: Actor | str) -> None:
    """Delete a journey of ``tenant`` with its enrollments and step runs (in the audit log)."""
    if journey.tenant_id != tenant.pk:
        raise NotFoundError("No such journey.")
    row_delete(tenant=tenant, row=journey, by=by)
