"""Writes on enrollments caused by a customer event: enrolments, goals and wake-ups."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from crm.models import Contact, Event
from crm.policies import effective_mode, experiment_cohort

from ..models import Enrollment, EnrollmentStatus, Journey, Offer, StepRun


def enrollments_on_event(*, event: Event) -> list[Enrollment]:
    """Apply a newly recorded event to the contact's journeys; return the new enrollments.

    - Goal: active enrollments of journeys whose goal is this event record when the contact
      reached it (``converted_at``). What a running journey *does* about it is the policy's
      call, made by the engine at each later step.
    - Wake-up: enrollments waiting for this event (``wait_for``) become due at once.
    - Trigger: the contact enters every active journey this event triggers, unless already
      active in it (the partial unique constraint decides under concurrency).
    """
    tenant, contact, at = event.tenant, event.contact, event.occurred_at
    active = Enrollment.objects.filter(tenant=tenant, contact=contact, status=EnrollmentStatus.ACTIVE)
    active.filter(journey__goal_event=event.name, converted_at__isnull=True, enrolled_at__lte=at).update(
        converted_at=at
    )
    active.filter(waiting_for_event=event.name, waiting_since__lte=at, next_run_at__gt=at).update(next_run_at=at)
    if contact.erased_at is not None:
        return []
    journeys = list(Journey.objects.filter(tenant=tenant, trigger_event=event.name, active=True).order_by("pk"))
    if not journeys:
        return []
    mode = effective_mode(tenant, contact.pk)
    cohort = experiment_cohort(tenant, contact.pk) or ""
    created = []
    for journey in journeys:
        try:
            with transaction.atomic():
                created.append(
                    Enrollment.objects.create(
                        tenant=tenant,
                        journey=journey,
                        contact=contact,
                        mode=mode,
                        cohort=cohort,
                        next_run_at=at,
                        enrolled_at=at,
                        context=event.properties or {},
                        trigger_event=event,
                    )
                )
        except IntegrityError:
            continue  # already active in this journey: no re-entry
    return created


def enrollments_merge_prepare(*, tenant, kept: Contact, other: Contact, at: datetime) -> int:
    """Before ``other`` is merged into ``kept``: exit ``other``'s active enrollments in journeys
    where ``kept`` is active too (one active enrollment per journey and contact). Returns how
    many were exited (``exit_reason="merged"``); the rest move with the merge."""
    kept_journeys = Enrollment.objects.filter(tenant=tenant, contact=kept, status=EnrollmentStatus.ACTIVE).values(
        "journey_id"
    )
    return Enrollment.objects.filter(
        tenant=tenant, contact=other, status=EnrollmentStatus.ACTIVE, journey_id__in=kept_journeys
    ).update(status=EnrollmentStatus.EXITED, exit_reason="merged", exited_at=at, next_run_at=None)


def journeys_contact_move(*, tenant, kept: Contact, other: Contact) -> dict[str, int]:
    """Move ``other``'s enrollments, step runs and offers to ``kept`` (inside the merge, after
    ``enrollments_merge_prepare``). Returns the rows moved per model, for the merge's record."""
    return {
        model._meta.model_name: model.objects.filter(tenant=tenant, contact=other).update(contact=kept)
        for model in (Enrollment, StepRun, Offer)
    }


def enrollments_contact_erase(*, tenant, contact: Contact, at: datetime) -> None:
    """Inside ``contact_erase``: the contact's active enrollments end (``exit_reason="contact_erased"``),
    the trigger events' properties copied into enrollments and the offers' descriptions (free
    text, often personal) are emptied; step runs hold ids and outcomes only and stay."""
    enrollments = Enrollment.objects.filter(tenant=tenant, contact=contact)
    enrollments.filter(status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.EXITED, exit_reason="contact_erased", exited_at=at, next_run_at=None
    )
    enrollments.update(context={})
    Offer.objects.filter(tenant=tenant, contact=contact).update(description="")
