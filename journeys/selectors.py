"""Reads on journeys and offers; every selector takes the tenant first."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, QuerySet

from crm.models import Tenant
from crm.selectors.scoping import get_scoped

from .models import Enrollment, EnrollmentStatus, Journey, Offer, StepOutcome, StepRun


def journey_list(*, tenant: Tenant, active: bool | None = None) -> QuerySet[Journey]:
    qs = Journey.objects.filter(tenant=tenant).order_by("pk")
    return qs if active is None else qs.filter(active=active)


def journey_get(*, tenant: Tenant, pk) -> Journey:
    return get_scoped(Journey.objects.select_related("tenant"), tenant=tenant, pk=pk)


def offer_get(*, tenant: Tenant, pk) -> Offer:
    return get_scoped(Offer.objects.all(), tenant=tenant, pk=pk)


def _enrollment_counts(tenant: Tenant, journey: Journey) -> dict[str, int]:
    return Enrollment.objects.filter(tenant=tenant, journey=journey).aggregate(
        enrolled=Count("pk"),
        active=Count("pk", filter=Q(status=EnrollmentStatus.ACTIVE)),
        converted=Count("pk", filter=Q(converted_at__isnull=False)),
        exited=Count("pk", filter=Q(status=EnrollmentStatus.EXITED)),
        completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
    )


def _funnel(journey: Journey, rows: list[dict]) -> list[dict]:
    steps = [
        {"index": i, "type": s.get("type"), "channel": s.get("channel"), "reached": 0, "outcomes": {}, "suppressed": {}}
        for i, s in enumerate(journey.steps)
    ]
    for row in rows:
        if row["step_index"] >= len(steps):
            continue  # a step removed since it ran
        step = steps[row["step_index"]]
        step["outcomes"][row["outcome"]] = step["outcomes"].get(row["outcome"], 0) + row["n"]
        if row["outcome"] == StepOutcome.SUPPRESSED:
            step["suppressed"][row["reason"]] = step["suppressed"].get(row["reason"], 0) + row["n"]
        if row["outcome"] != StepOutcome.DEFERRED:  # a deferred send is counted when it finally runs
            step["reached"] += row["enrollments"]
    return steps


def journey_stats(*, tenant: Tenant, journey: Journey) -> dict:
    """Enrollment counts, sends per channel kind, suppressions per reason and a per-step funnel.

    Three queries whatever the history size.
    """
    stats = _enrollment_counts(tenant, journey)
    rows = list(
        StepRun.objects.filter(tenant=tenant, journey=journey)
        .values("step_index", "outcome", "reason", "channel_kind")
        .annotate(n=Count("pk"), enrollments=Count("enrollment_id", distinct=True))
        .order_by("step_index", "outcome", "reason", "channel_kind")
    )
    sent: dict[str, int] = defaultdict(int)
    suppressed: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["outcome"] == StepOutcome.SENT:
            sent[row["channel_kind"]] += row["n"]
        elif row["outcome"] == StepOutcome.SUPPRESSED:
            suppressed[row["reason"]] += row["n"]
    return {**stats, "sent": dict(sent), "suppressed": dict(suppressed), "steps": _funnel(journey, rows)}


def contact_journey_rows(*, tenant: Tenant, contact_id: int, limit: int = 20) -> tuple[list[Enrollment], list[Offer]]:
    """A customer's journeys (newest first, with the journey) and offers, for the customer 360."""
    enrollments = list(
        Enrollment.objects.filter(tenant=tenant, contact_id=contact_id)
        .select_related("journey")
        .order_by("-enrolled_at", "-pk")[:limit]
    )
    offers = list(
        Offer.objects.filter(tenant=tenant, contact_id=contact_id)
        .select_related("issued_channel")
        .order_by("-issued_at", "-pk")[:limit]
    )
    return enrollments, offers
