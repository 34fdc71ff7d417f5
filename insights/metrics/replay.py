"""Replay: the stored interaction log recounted under each policy (metrics.md, "Replay metrics").

Every figure comes from a handful of set-based SQL statements (window functions and aggregates)
that run inside the database; Python only receives a few aggregate rows, so memory does not
grow with the log. Replay reads only: it never sends and never writes.

What each policy does is read from the policy objects themselves (``crm.policies``), never
from a comparison of mode names: threading across channels, what the agent sees, the default
reply channel, which events a journey step sees, where an offer is accepted, the cap scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from crm.models import ChannelKind, Tenant
from crm.policies import Policy, policy_for_mode, registry

from .replay_sql import (
    ACCEPTED_PAIR,
    CAPPED_SQL,
    CHANNEL_SLOTS,
    CONVERSATION_SQL,
    POST_GOAL_SQL,
    REDEMPTION_SQL,
    REPLY_SQL,
    SqlParts,
    visible_rows,
)
from .sqlnames import sql
from .sqltime import sql_time

MODES = ("multichannel", "crosschannel", "omnichannel")
KINDS = list(ChannelKind.values)
EVENT_KINDS = [*KINDS, ""]


@dataclass(frozen=True)
class Period:
    tenant: Tenant
    start: datetime
    end: datetime

    @property
    def gap_seconds(self) -> int:
        return self.tenant.episode_gap_hours * 3600


def _fetch(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(int(v or 0) for v in cursor.fetchone())


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


# -- what a policy does, asked of the policy --------------------------------------------------
class _Probe:
    """A stand-in ticket/channel for asking a policy which channel it picks."""

    def __init__(self, pk: int, channel=None, kind: str = "email") -> None:
        self.pk, self.channel, self.channel_id, self.kind, self.contact_id = pk, channel, pk, kind, 0


def hides_switches(policy: Policy) -> bool:
    """Whether the agent of a new thread misses the customer's previous message on another
    channel of the same episode: only when threads are per channel and nothing links them."""
    return not policy.threads_across_channels and not policy.links_new_tickets


def replies_on_latest_inbound(policy: Policy) -> bool:
    """Whether the policy's default reply channel follows the customer's latest message."""
    ticket_channel, latest = _Probe(1), _Probe(2)
    ticket = _Probe(3, channel=ticket_channel)
    ticket.channel_id = ticket_channel.pk
    return policy.default_reply_channel(ticket=ticket, latest_inbound=latest) is latest


def visible_goal_pairs(policy: Policy) -> list[tuple[str, str, list[str]]]:
    """(step kind, previous step kind, event kinds the step sees), from ``event_visible``."""
    out = []
    for step in KINDS:
        for previous in EVENT_KINDS:
            seen = [
                e
                for e in EVENT_KINDS
                if policy.event_visible(event_kind=e, step_kind=step, previous_step_kind=previous or None)
            ]
            if seen:
                out.append((step, previous, seen))
    return out


def accepted_offer_pairs(policy: Policy, offer_links: dict) -> list[tuple[str, str]]:
    return [
        (issued, redeem)
        for issued in KINDS
        for redeem in KINDS
        if policy.offer_redeemable(issued_kind=issued, redeem_kind=redeem, offer_links=offer_links or {})
    ]


# -- the metrics ------------------------------------------------------------------------------
def _conversation(period: Period, parts: SqlParts) -> dict:
    episodes, channel_threads, switches, switch_episodes = _fetch(
        parts.render(CONVERSATION_SQL, gap=parts.time.seconds(period.gap_seconds)), parts.params()
    )
    return {
        "episodes": episodes,
        "channel_threads": channel_threads,
        "switches": switches,
        "switch_episodes": switch_episodes,
    }


def _replies(period: Period, parts: SqlParts) -> dict:
    sql = parts.render(REPLY_SQL, slots=CHANNEL_SLOTS)
    replies, on_ticket_channel_stale = _fetch(sql, [parts.tenant_id, *parts.params()])
    return {"replies": replies, "ticket_channel_stale": on_ticket_channel_stale}


def _post_goal(period: Period, parts: SqlParts, policies: dict[str, Policy]) -> dict[str, int]:
    """Sends after the goal each policy would have made: reached minus those whose goal it saw.
    A policy that sees every event from every step suppresses them all (0, no query needed)."""
    triples, columns, sees_all = [], [], {}
    for index, (mode, policy) in enumerate(policies.items()):
        pairs = visible_goal_pairs(policy)
        sees_all[mode] = sum(len(seen) for _, _, seen in pairs) == len(KINDS) * len(EVENT_KINDS) ** 2
        triples.extend((index, step, previous, ev) for step, previous, seen in pairs for ev in seen)
        columns.append(f"(SELECT COUNT(*) FROM seen WHERE p = {index})")
    if all(sees_all.values()):
        return dict.fromkeys(policies, 0)
    rows, params = visible_rows(triples)
    reached, *seen = _fetch(
        parts.render(POST_GOAL_SQL, visible=rows, columns=", ".join(columns)), params + parts.params()
    )
    return {mode: 0 if sees_all[mode] else reached - n for mode, n in zip(policies, seen, strict=True)}


def _capped(period: Period, parts: SqlParts, policies: dict[str, Policy]) -> dict[str, int]:
    tenant = period.tenant
    if not tenant.frequency_cap_max_sends or not tenant.frequency_cap_days:
        return dict.fromkeys(policies, 0)
    sql = parts.render(
        CAPPED_SQL,
        window=parts.time.seconds(tenant.frequency_cap_days * 86400),
        cap=int(tenant.frequency_cap_max_sends),
    )
    over_global, over_global_within_channel = _fetch(sql, parts.params() + parts.params())
    return {
        mode: over_global_within_channel if policy.cap_scope == "channel" else 0 for mode, policy in policies.items()
    }


def _refused(period: Period, parts: SqlParts, policies: dict[str, Policy]) -> dict[str, int]:
    columns, params = [], []
    for policy in policies.values():
        pairs = accepted_offer_pairs(policy, period.tenant.offer_links)
        if len(pairs) == len(KINDS) ** 2:
            columns.append("0")
            continue
        predicate = " OR ".join(sql(ACCEPTED_PAIR) for _ in pairs) or "1 = 0"
        columns.append(f"SUM(CASE WHEN NOT ({predicate}) THEN 1 ELSE 0 END)")
        params.extend(v for pair in pairs for v in pair)
    values = _fetch(parts.render(REDEMPTION_SQL, columns=", ".join(columns)), params + parts.params())
    return dict(zip(policies, values, strict=True))


def replay_metrics(*, tenant: Tenant, start: datetime, end: datetime) -> dict[str, dict]:
    """Every replay metric for each of the three policies over ``[start, end)``."""
    period = Period(tenant, start, end)
    parts = SqlParts(time=sql_time(), tenant_id=tenant.pk, start=start, end=end)
    policies = {mode: policy_for_mode(mode) for mode in MODES if mode in registry.keys()}
    conv = _conversation(period, parts)
    replies = _replies(period, parts)
    post_goal = _post_goal(period, parts, policies)
    capped = _capped(period, parts, policies)
    refused = _refused(period, parts, policies)
    report = {}
    for mode, policy in policies.items():
        threads = conv["episodes"] if policy.threads_across_channels else conv["channel_threads"]
        hides = hides_switches(policy)
        losses = conv["switches"] if hides else 0
        # each thread has its own agent: a message landing in another thread than the one before changes agent
        changes = 0 if policy.threads_across_channels else conv["switches"]
        report[mode] = {
            "episodes": conv["episodes"],
            "threads": threads,
            "fragmentation": _ratio(threads, conv["episodes"]),
            "channel_switches": conv["switches"],
            "context_losses": losses,
            "context_loss_rate": _ratio(losses, conv["switches"]),
            "repeat_contact_share": _ratio(conv["switch_episodes"] if hides else 0, conv["episodes"]),
            "agent_changes": changes,
            "agent_changes_per_episode": _ratio(changes, conv["episodes"]),
            "stale_channel_replies": 0 if replies_on_latest_inbound(policy) else replies["ticket_channel_stale"],
            "post_goal_sends": post_goal[mode],
            "capped_sends": capped[mode],
            "offer_redemptions_refused": refused[mode],
        }
    return report
