"""The journey engine: claims due enrollments and runs their steps in virtual time.

``journeys_tick(until=...)`` runs every step due up to ``until``. Each batch is claimed with
``SELECT ... FOR UPDATE SKIP LOCKED`` and processed in one transaction, so any number of
workers and ``run_journeys`` processes can run at once: a row one of them holds is skipped by
the others, and once committed it is no longer due. The contacts of a batch are locked too
(``SKIP LOCKED``, ascending id), so two workers never decide the frequency cap of one contact
at the same time; enrollments whose contact is busy are left for a later batch.

Each step runs *as of its due time* (``next_run_at``), never the wall clock: a tick that runs
late, or a simulator driving virtual time, records the same times and makes the same decisions.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from crm.policies import policy_for_mode
from crm.services.locks import lock_contacts_unless_held

from .batch import BatchContext, batch_load
from .models import Enrollment, EnrollmentStatus, Offer, StepOutcome, StepRun
from .sending import send_step_run, step_run_add
from .timing import contact_zone, wait_until

BATCH_SIZE = 500
#: a guard against a journey edited into a tight loop while enrollments run it
MAX_STEPS_PER_CLAIM = 200
MAX_UPDATE_GROUPS = 10
UPDATED_FIELDS = [
    "status",
    "current_step",
    "next_run_at",
    "waiting_since",
    "waiting_for_event",
    "converted_at",
    "exited_at",
    "exit_reason",
    "last_send_channel_kind",
]


@dataclass
class TickResult:
    batches: int = 0
    enrollments: int = 0
    steps: int = 0
    sent: int = 0

    def add(self, other: TickResult) -> None:
        self.batches += other.batches
        self.enrollments += other.enrollments
        self.steps += other.steps
        self.sent += other.sent


def _finish(e: Enrollment, ctx: BatchContext, at: datetime) -> None:
    goal = e.journey.goal_event
    if goal and e.converted_at is None and (seen := ctx.events_of(e.contact_id, goal, since=e.enrolled_at, at=at)):
        e.converted_at = seen[0].occurred_at
    e.status = EnrollmentStatus.CONVERTED if e.converted_at else EnrollmentStatus.COMPLETED
    e.next_run_at = None


def _exit(e: Enrollment, reason: str, at: datetime) -> None:
    e.status, e.exit_reason, e.exited_at, e.next_run_at = EnrollmentStatus.EXITED, reason, at, None


def _move(e: Enrollment, index: int, at: datetime, ctx: BatchContext) -> None:
    e.current_step, e.next_run_at = index, at
    e.waiting_since, e.waiting_for_event = None, ""
    if index >= len(e.journey.steps) and at <= ctx.until:
        _finish(e, ctx, at)  # past the last step (a trailing wait finishes when it ends)


def _condition_kinds(e: Enrollment, step: dict, ctx: BatchContext) -> tuple[str, str]:
    """(step kind, previous step kind) through which a wait_for or branch sees events."""
    channel = ctx.channels.get(step.get("channel"))
    if channel is not None:
        return channel.kind, e.last_send_channel_kind
    return e.last_send_channel_kind, ""


def _seen(ctx: BatchContext, e: Enrollment, step: dict, name: str, *, since: datetime, at: datetime) -> bool:
    policy = policy_for_mode(e.mode)
    kind, previous = _condition_kinds(e, step, ctx)
    return any(
        policy.event_visible(event_kind=ev.kind, step_kind=kind, previous_step_kind=previous or None)
        for ev in ctx.events_of(e.contact_id, name, since=since, at=at)
    )


def _wait_for(ctx: BatchContext, e: Enrollment, step: dict, at: datetime) -> None:
    since = e.waiting_since if e.waiting_for_event == step["event"] and e.waiting_since else at
    deadline = since + timedelta(seconds=step["timeout_seconds"])
    if _seen(ctx, e, step, step["event"], since=since, at=at):
        step_run_add(ctx, e, step, at=at, outcome=StepOutcome.MATCHED)
    elif at >= deadline:
        step_run_add(ctx, e, step, at=at, outcome=StepOutcome.TIMED_OUT)
    else:
        e.waiting_since, e.waiting_for_event, e.next_run_at = since, step["event"], deadline
        return
    _move(e, e.current_step + 1, at, ctx)


def _branch(ctx: BatchContext, e: Enrollment, step: dict, at: datetime) -> None:
    matched = _seen(ctx, e, step, step["if_event"], since=e.enrolled_at, at=at)
    step_run_add(ctx, e, step, at=at, outcome=StepOutcome.BRANCHED, reason="then" if matched else "else")
    _move(e, step["then"] if matched else step["else"], at, ctx)


def _wait(ctx: BatchContext, e: Enrollment, step: dict, at: datetime) -> None:
    zone = contact_zone(tenant=e.tenant, contact=e.contact)
    step_run_add(ctx, e, step, at=at, outcome=StepOutcome.WAITED)
    _move(e, e.current_step + 1, wait_until(step=step, context=e.context, zone=zone, at=at), ctx)


def step_run(ctx: BatchContext, e: Enrollment, at: datetime) -> None:
    """Run the enrollment's current step as of ``at``."""
    if not e.journey.active:
        return _exit(e, "journey_inactive", at)
    if e.contact.erased_at is not None:
        return _exit(e, "contact_erased", at)
    if e.current_step >= len(e.journey.steps):
        return _finish(e, ctx, at)
    step = e.journey.steps[e.current_step]
    if step["type"] == "send":
        if send_step_run(ctx, e, step, at):
            _move(e, e.current_step + 1, at, ctx)
    elif step["type"] == "wait":
        _wait(ctx, e, step, at)
    elif step["type"] == "wait_for":
        _wait_for(ctx, e, step, at)
    else:
        _branch(ctx, e, step, at)


def batch_run(*, enrollments: list[Enrollment], until: datetime) -> TickResult:
    """Run the due steps of claimed enrollments in time order, then write the results."""
    ctx = batch_load(enrollments=enrollments, until=until)
    before = {e.pk: _snapshot(e) for e in enrollments}
    heap = [(e.next_run_at, e.pk, e) for e in enrollments]
    heapq.heapify(heap)
    steps: dict[int, int] = {}
    while heap:
        at, pk, e = heapq.heappop(heap)
        step_run(ctx, e, at)
        steps[pk] = steps.get(pk, 0) + 1
        due = e.status == EnrollmentStatus.ACTIVE and e.next_run_at is not None and e.next_run_at <= until
        if due and steps[pk] < MAX_STEPS_PER_CLAIM:
            heapq.heappush(heap, (e.next_run_at, pk, e))
    Offer.objects.bulk_create(ctx.offers)
    StepRun.objects.bulk_create(ctx.step_runs, batch_size=2000)
    _save(enrollments, before)
    return TickResult(batches=1, enrollments=len(enrollments), steps=sum(steps.values()), sent=ctx.sent)


def _snapshot(e: Enrollment) -> tuple:
    return tuple(getattr(e, name) for name in UPDATED_FIELDS)


def _save(enrollments: list[Enrollment], before: dict[int, tuple]) -> None:
    """Write the enrollments' changes: one ``UPDATE ... WHERE id IN`` per distinct change.

    The enrollments of a batch mostly make the same change (same journey, step and time), so
    this is a handful of plain updates; when changes are too diverse, one ``bulk_update`` (a
    ``CASE`` per field) keeps the number of queries bounded.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for e in enrollments:
        now = _snapshot(e)
        change = tuple((f, v) for f, v, old in zip(UPDATED_FIELDS, now, before[e.pk], strict=True) if v != old)
        if change:
            groups[change].append(e.pk)
    if len(groups) > MAX_UPDATE_GROUPS:
        fields = sorted({f for change in groups for f, _ in change})
        Enrollment.objects.bulk_update(enrollments, fields, batch_size=1000)
        return
    for change, ids in groups.items():
        Enrollment.objects.filter(pk__in=ids).update(**dict(change))


def _claim(*, until: datetime, batch_size: int, skip: set[int]) -> list[Enrollment]:
    qs = (
        Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("journey", "tenant", "contact", "trigger_event")
        .filter(status=EnrollmentStatus.ACTIVE, next_run_at__lte=until)
        .order_by("next_run_at", "pk")
    )
    if skip:
        qs = qs.exclude(pk__in=skip)
    return list(qs[:batch_size])


def batch_claim_and_run(*, until: datetime, batch_size: int = BATCH_SIZE, skip: set[int]) -> TickResult | None:
    """Claim one batch and run it in one transaction; ``None`` when nothing is due."""
    with transaction.atomic():
        claimed = _claim(until=until, batch_size=batch_size, skip=skip)
        if not claimed:
            return None
        locked = lock_contacts_unless_held(contact_ids=[e.contact_id for e in claimed])
        runnable = [e for e in claimed if e.contact_id in locked]
        skip.update(e.pk for e in claimed if e.contact_id not in locked)
        if not runnable:
            return TickResult()
        return batch_run(enrollments=runnable, until=until)


def journeys_tick(
    *, until: datetime, batch_size: int = BATCH_SIZE, on_batch=None, budget_seconds: float | None = None
) -> TickResult:
    """Run every step due up to ``until``, batch after batch, until nothing is due.

    With ``budget_seconds``, no new batch is claimed once that much time has passed (the beat
    task stays within its time limit; the next tick continues where this one stopped).
    """
    total, skip = TickResult(), set()
    stop_at = None if budget_seconds is None else time.monotonic() + budget_seconds
    while (result := batch_claim_and_run(until=until, batch_size=batch_size, skip=skip)) is not None:
        total.add(result)
        if on_batch is not None:
            on_batch(result)
        if stop_at is not None and time.monotonic() >= stop_at:
            break
    return total
