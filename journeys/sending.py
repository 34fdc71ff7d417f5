"""The send step: every suppression rule, quiet hours, frequency cap, rendering and the send.

Every attempt ends as one ``StepRun``: ``sent``, ``suppressed`` with its reason, or
``deferred`` (quiet hours; the step runs again when they end). The policy of the mode the
enrollment was enrolled under decides what the step may see and how caps count.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from crm.errors import ApplicationError
from crm.models import Channel, ChannelKind, Message, Purpose
from crm.policies import Policy, policy_for_mode
from crm.providers import provider_get
from crm.services.addresses import IDENTITY_KIND_FOR_CHANNEL
from crm.services.messages import outbound_create, session_open

from .batch import BatchContext
from .models import Enrollment, Offer, StepOutcome, StepReason, StepRun
from .steps import default_subject, is_template_step, template_render, text_limit_error
from .timing import contact_zone, quiet_hours_end


def step_run_add(
    ctx: BatchContext,
    enrollment: Enrollment,
    step: dict,
    *,
    at: datetime,
    outcome: str,
    reason: str = "",
    channel: Channel | None = None,
    message: Message | None = None,
) -> None:
    ctx.step_runs.append(
        StepRun(
            tenant_id=enrollment.tenant_id,
            enrollment=enrollment,
            journey_id=enrollment.journey_id,
            contact_id=enrollment.contact_id,
            step_index=enrollment.current_step,
            step_type=step["type"],
            channel=channel,
            channel_kind=channel.kind if channel else "",
            previous_channel_kind=enrollment.last_send_channel_kind if step["type"] == "send" else "",
            purpose=step.get("purpose", ""),
            outcome=outcome,
            reason=reason,
            mode=enrollment.mode,
            message=message,
            at=at,
        )
    )


def _visible(policy: Policy, *, kind: str, step_kind: str, previous: str) -> bool:
    return policy.event_visible(event_kind=kind, step_kind=step_kind, previous_step_kind=previous or None)


def _goal_seen(ctx: BatchContext, e: Enrollment, policy: Policy, kind: str, at: datetime) -> bool:
    goal = e.journey.goal_event
    if not goal:
        return False
    seen = ctx.events_of(e.contact_id, goal, since=e.enrolled_at, at=at)
    return any(_visible(policy, kind=ev.kind, step_kind=kind, previous=e.last_send_channel_kind) for ev in seen)


def _trigger_visible(e: Enrollment, policy: Policy, kind: str) -> bool:
    trigger_kind = e.trigger_event.channel_kind if e.trigger_event else ""
    return _visible(policy, kind=trigger_kind, step_kind=kind, previous=e.last_send_channel_kind)


def _capped(ctx: BatchContext, e: Enrollment, policy: Policy, kind: str, at: datetime) -> bool:
    limit, days = e.tenant.frequency_cap_max_sends, e.tenant.frequency_cap_days
    if not limit or not days:
        return False
    start = at - timedelta(days=days)
    sends = [k for k, t in ctx.marketing.get(e.contact_id, ()) if start < t <= at]
    if policy.cap_scope == "channel":
        sends = [k for k in sends if k == kind]
    return len(sends) >= limit


def _suppression(ctx: BatchContext, e: Enrollment, step: dict, channel: Channel | None, at: datetime) -> str:
    """The first rule that stops this send, or ``""``."""
    if channel is None or channel.tenant_id != e.tenant_id:
        return "channel_missing"
    policy = policy_for_mode(e.mode)
    if _goal_seen(ctx, e, policy, channel.kind, at):
        return "goal_reached"
    if (e.contact_id, channel.kind) in ctx.opted_out:
        return "opted_out"
    if (e.contact_id, IDENTITY_KIND_FOR_CHANNEL[channel.kind]) not in ctx.identities:
        return "no_identity"
    if not channel.enabled:
        return "channel_disabled"
    if step.get("requires_event") and not _trigger_visible(e, policy, channel.kind):
        return "event_not_visible"
    return ""


def _render_context(e: Enrollment, step: dict, channel: Channel, offer: Offer | None) -> dict:
    contact = e.contact
    attributes = contact.attributes if isinstance(contact.attributes, dict) else {}
    return {
        "contact": {**attributes, "id": contact.pk, "name": contact.name, "attributes": attributes},
        "event": e.context,
        "offer": {"code": offer.code, "description": offer.description, "expires_at": offer.expires_at}
        if offer
        else {},
    }


def _offer_for(e: Enrollment, step: dict, channel: Channel, at: datetime) -> Offer | None:
    spec = step.get("offer")
    if not spec:
        return None
    days = spec.get("valid_days")
    return Offer(
        tenant_id=e.tenant_id,
        contact_id=e.contact_id,
        code=secrets.token_hex(5).upper(),
        issued_channel=channel,
        issued_kind=channel.kind,
        description=str(spec.get("description", ""))[:500],
        issued_at=at,
        expires_at=at + timedelta(days=days) if days else None,
        enrollment=e,
    )


def _content(e: Enrollment, step: dict, channel: Channel, context: dict, at: datetime) -> tuple[str, dict, str]:
    """``(text, metadata, reason)``: what the step sends, or why it cannot (``reason``): a text
    outside the customer-care window, a template the channel has not approved."""
    provider = provider_get(channel.provider)
    if is_template_step(step) and provider.sends_templates:
        params = [template_render(p, context=context) for p in step.get("params", [])]
        try:
            text, template = provider.template_resolve(
                channel=channel, name=step["template"], language=step["language"], params=params
            )
        except ApplicationError:
            return "", {}, StepReason.TEMPLATE_UNAVAILABLE
        return text, {"template": template}, ""
    text = template_render(step.get("text", "") if is_template_step(step) else step["template"], context=context)
    if not session_open(tenant=e.tenant, contact_id=e.contact_id, channel=channel, at=at):
        return text, {}, StepReason.OUTSIDE_WINDOW
    return text, {}, ""


def _deliver(ctx: BatchContext, e: Enrollment, step: dict, channel: Channel, at: datetime) -> None:
    offer = _offer_for(e, step, channel, at)
    context = _render_context(e, step, channel, offer)
    text, metadata, reason = _content(e, step, channel, context, at)
    subject = template_render(step.get("subject", ""), context=context).replace("\n", " ")
    if not subject and channel.kind == ChannelKind.EMAIL:
        subject = default_subject(e.journey)
    if reason := reason or text_limit_error(kind=channel.kind, text=text, subject=subject):
        step_run_add(ctx, e, step, at=at, outcome=StepOutcome.SUPPRESSED, reason=reason, channel=channel)
        return
    try:
        message = outbound_create(
            tenant=e.tenant,
            contact=e.contact,
            channel=channel,
            text=text,
            purpose=step["purpose"],
            subject=subject,
            at=at,
            metadata={"journey": e.journey_id, "enrollment": e.pk, "step": e.current_step, **metadata},
        )
    except ApplicationError:
        step_run_add(ctx, e, step, at=at, outcome=StepOutcome.SUPPRESSED, reason="no_identity", channel=channel)
        return
    if offer:
        ctx.offers.append(offer)
    if step["purpose"] == Purpose.MARKETING:
        ctx.marketing.setdefault(e.contact_id, []).append((channel.kind, at))
    ctx.sent += 1
    step_run_add(ctx, e, step, at=at, outcome=StepOutcome.SENT, channel=channel, message=message)


def send_step_run(ctx: BatchContext, e: Enrollment, step: dict, at: datetime) -> bool:
    """Run a send step at ``at``; ``False`` when quiet hours defer it (the step stays current)."""
    channel = ctx.channels.get(step.get("channel"))
    reason = _suppression(ctx, e, step, channel, at)
    if not reason:
        zone = contact_zone(tenant=e.tenant, contact=e.contact)
        if (end := quiet_hours_end(tenant=e.tenant, zone=zone, at=at)) is not None:
            step_run_add(ctx, e, step, at=at, outcome=StepOutcome.DEFERRED, reason="quiet_hours", channel=channel)
            e.next_run_at = end
            return False
        if step["purpose"] == Purpose.MARKETING and _capped(ctx, e, policy_for_mode(e.mode), channel.kind, at):
            reason = "capped"
    if reason:
        step_run_add(ctx, e, step, at=at, outcome=StepOutcome.SUPPRESSED, reason=reason, channel=channel)
    else:
        _deliver(ctx, e, step, channel, at)
    if channel is not None:
        e.last_send_channel_kind = channel.kind
    return True
