"""Names of the report's figures in the active language. Keys without a name here (figures
added later) show their key in words: every table, chart and CSV iterates over the report's
own keys, so a new figure appears without a change here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.models import Mode

MODE_LABELS = dict(Mode.choices)
COHORT_LABELS = {"holdout": _("Holdout"), "treatment": _("Treatment")}
STATISTIC_LABELS = {"median": _("median"), "p90": "p90", "mean": _("mean"), "rate": _("rate")}

METRIC_LABELS = {
    "episodes": _("Episodes (customer needs)"),
    "threads": _("Tickets opened"),
    "fragmentation": _("Tickets per episode"),
    "channel_switches": _("Channel switches"),
    "context_losses": _("Context losses"),
    "context_loss_rate": _("Context loss rate"),
    "repeat_contact_share": _("Episodes where the customer repeats"),
    "stale_channel_replies": _("Replies on a stale channel"),
    "post_goal_sends": _("Sends after the goal was reached"),
    "capped_sends": _("Sends beyond the frequency cap"),
    "offer_redemptions_refused": _("Offer redemptions refused"),
    "first_response_seconds": _("First response time"),
    "resolution_seconds": _("Resolution time"),
    "customer_messages_per_episode": _("Customer messages per episode"),
    "tickets_per_episode": _("Tickets per episode"),
    "csat": _("Satisfaction (CSAT, 1-5)"),
    "journey_conversion_rate": _("Journey conversion rate"),
    "opt_out_rate": _("Opt-out rate"),
    "contacts": _("Active contacts"),
    "multi_identity_share": _("Contacts reachable on 2+ channel kinds"),
    "consent_conflicts": _("Consent conflicts"),
    "agent_changes": _("Agent changes"),
    "agent_changes_per_episode": _("Agent changes per episode"),
    "sla_attainment": _("SLA attainment"),
    "purchase_rate": _("Purchase rate"),
    "revenue_per_contact": _("Revenue per contact"),
    "average_order_value": _("Average order value"),
    "repeat_purchase_rate": _("Repeat purchase rate"),
}


def label(key: str) -> str:
    """The figure's name; ``first_response_seconds_median`` gives "First response time · median"."""
    for stat in ("median", "p90"):
        if key.endswith(f"_{stat}") and key.removesuffix(f"_{stat}") in METRIC_LABELS:
            return f"{METRIC_LABELS[key.removesuffix(f'_{stat}')]} · {STATISTIC_LABELS[stat]}"
    if key in METRIC_LABELS:
        return str(METRIC_LABELS[key])
    return key.replace("_", " ").capitalize()


def mode_label(mode: str) -> str:
    return str(MODE_LABELS.get(mode, mode))
