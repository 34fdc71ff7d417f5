"""Celery tasks of journeys: read the clock, call the engine, return."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .engine import journeys_tick


@shared_task(name="journeys.journeys_tick")
def journeys_tick_task() -> int:
    """Beat tick: run every step due now. Concurrent ticks share the work (SKIP LOCKED)."""
    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2  # each batch is one transaction: stop between batches
    return journeys_tick(until=timezone.now(), budget_seconds=budget).steps
