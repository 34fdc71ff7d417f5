"""Journeys, their enrollments and step runs, and offers.

Every send attempt of a journey, sent or suppressed, is one ``StepRun`` row carrying the channel
kind, the purpose and the previous send step's channel kind, so a replay can recount it under any
policy. Every offer redemption attempt, accepted or refused, is one ``OfferRedemption`` row.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwned


class Journey(TenantOwned):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("ready-made slug"), max_length=64, blank=True)
    trigger_event = models.CharField(_("trigger event"), max_length=100)
    goal_event = models.CharField(_("goal event"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    steps = models.JSONField(_("steps"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "trigger_event", "active"])]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self) -> str:
        return self.name


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CONVERTED = "converted", _("Converted")
    EXITED = "exited", _("Exited")
    COMPLETED = "completed", _("Completed")


class Enrollment(TenantOwned):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    #: effective mode at enrolment (crm.policies.effective_mode): results stay attributable
    mode = models.CharField(_("mode"), max_length=16)
    cohort = models.CharField(_("experiment cohort"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    current_step = models.PositiveIntegerField(default=0)
    next_run_at = models.DateTimeField(null=True, blank=True)
    #: when the current wait_for step started waiting (its timeout counts from there)
    waiting_since = models.DateTimeField(null=True, blank=True)
    #: the event a wait_for step waits for: a matching event wakes the enrollment up
    waiting_for_event = models.CharField(max_length=100, blank=True)
    enrolled_at = models.DateTimeField()
    converted_at = models.DateTimeField(null=True, blank=True)
    exited_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=32, blank=True)
    #: properties of the trigger event
    context = models.JSONField(default=dict, blank=True)
    last_send_channel_kind = models.CharField(max_length=16, blank=True)
    trigger_event = models.ForeignKey("crm.Event", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "contact"],
                condition=models.Q(status="active"),
                name="enrollment_one_active_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "next_run_at"]),
            models.Index(fields=["tenant", "journey", "status"]),
            models.Index(fields=["tenant", "contact", "status"]),
            # the tick claims due enrollments of every tenant
            models.Index(fields=["next_run_at", "id"], condition=models.Q(status="active"), name="enrollment_due_idx"),
        ]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")

    def __str__(self) -> str:
        return f"{self.journey_id}/{self.contact_id} ({self.status})"


class StepOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    SUPPRESSED = "suppressed", _("Suppressed")
    DEFERRED = "deferred", _("Deferred")
    WAITED = "waited", _("Waited")
    MATCHED = "matched", _("Event seen")
    TIMED_OUT = "timed_out", _("Timed out")
    BRANCHED = "branched", _("Branched")


class StepType(models.TextChoices):
    """The ``type`` of a journey step (``journeys.steps.STEP_TYPES``), copied to ``StepRun.step_type``."""

    SEND = "send", _("Send")
    WAIT = "wait", _("Wait")
    WAIT_FOR = "wait_for", _("Wait for an event")
    BRANCH = "branch", _("Branch")


class StepReason(models.TextChoices):
    """Why a send step was not made (suppressed), or not yet (deferred): ``StepRun.reason``."""

    GOAL_REACHED = "goal_reached", _("Goal reached")
    CAPPED = "capped", _("Frequency cap")
    OPTED_OUT = "opted_out", _("Opted out")
    NO_IDENTITY = "no_identity", _("No identity for the channel")
    CHANNEL_MISSING = "channel_missing", _("Channel missing")
    CHANNEL_DISABLED = "channel_disabled", _("Channel disabled")
    EVENT_NOT_VISIBLE = "event_not_visible", _("Trigger event not visible")
    EMPTY_TEXT = "empty_text", _("Empty text")
    TOO_LONG = "too_long", _("Text too long for the channel")
    BAD_SUBJECT = "bad_subject", _("Bad e-mail subject")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    OUTSIDE_WINDOW = "outside_window", _("Outside the WhatsApp 24-hour window (a template is needed)")
    TEMPLATE_UNAVAILABLE = "template_unavailable", _("No approved template")


class StepRun(TenantOwned):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="step_runs")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="step_runs")
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    step_index = models.PositiveIntegerField()
    step_type = models.CharField(max_length=16)
    channel = models.ForeignKey("crm.Channel", null=True, blank=True, on_delete=models.SET_NULL)
    channel_kind = models.CharField(max_length=16, blank=True)
    previous_channel_kind = models.CharField(max_length=16, blank=True)
    purpose = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=16, choices=StepOutcome.choices)
    #: why a send was not made (StepReason), blank when it was; a branch records "then" or "else"
    reason = models.CharField(max_length=32, blank=True)
    #: the mode the enrollment ran under (copied for replay and stats)
    mode = models.CharField(max_length=16, blank=True)
    message = models.ForeignKey("crm.Message", null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "contact", "at"]),
            models.Index(fields=["tenant", "journey", "at"]),
        ]
        verbose_name = _("step run")
        verbose_name_plural = _("step runs")

    def __str__(self) -> str:
        return f"step {self.step_index} {self.step_type} {self.outcome}"


class Offer(TenantOwned):
    contact = models.ForeignKey("crm.Contact", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=64)
    issued_channel = models.ForeignKey("crm.Channel", on_delete=models.PROTECT, related_name="+")
    issued_kind = models.CharField(max_length=16)
    description = models.CharField(_("description"), max_length=500, blank=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_channel = models.ForeignKey(
        "crm.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="offer_code_unique")]
        indexes = [models.Index(fields=["tenant", "contact", "issued_at"])]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return self.code


class RedemptionReason(models.TextChoices):
    """The outcome of a redemption attempt: ``OfferRedemption.reason``."""

    ACCEPTED = "accepted", _("Accepted")
    ALREADY_REDEEMED = "already_redeemed", _("Already redeemed")
    EXPIRED = "expired", _("Expired")
    CHANNEL_NOT_ALLOWED = "channel_not_allowed", _("Channel not allowed")


class OfferRedemption(TenantOwned):
    """One redemption attempt, accepted or refused, with the policy used."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="redemptions")
    channel = models.ForeignKey("crm.Channel", null=True, blank=True, on_delete=models.SET_NULL)
    channel_kind = models.CharField(max_length=16, blank=True)
    accepted = models.BooleanField()
    #: RedemptionReason
    reason = models.CharField(max_length=32)
    mode = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "at"]), models.Index(fields=["tenant", "offer"])]
        verbose_name = _("offer redemption")
        verbose_name_plural = _("offer redemptions")
