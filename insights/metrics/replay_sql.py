"""The SQL statements of replay (portable: SQLite 3.28+ and PostgreSQL 11+).

Each statement reads one tenant's rows of one period ``[start, end)`` and returns one row of
aggregates. Tables, columns and stored values are named from the models (``sqlnames``);
``{t_m}``/``{t_r}`` are the exact times of a message and a step run, and ``{gap}`` and
``{window}`` durations in their unit (see ``sqltime``); ``{cap}`` is an integer literal; all
three come from the tenant's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from .episode_sql import EPISODE_CTES, starts_after_gap
from .sqlnames import NAMES, sql
from .sqltime import SqlTime


@dataclass(frozen=True)
class SqlParts:
    time: SqlTime
    tenant_id: int
    start: datetime
    end: datetime

    def params(self) -> list:
        adapt = connection.ops.adapt_datetimefield_value
        return [self.tenant_id, adapt(self.start), adapt(self.end)]

    def render(self, template: str, **values) -> str:
        t_m = self.time.epoch(f"m.{NAMES['Message'].occurred_at}")
        t_r = self.time.epoch(f"r.{NAMES['StepRun'].at}")
        return sql(template, t_m=t_m, t_r=t_r, **values)


def visible_rows(triples: list[tuple[int, str, str, str]]) -> tuple[str, list]:
    """``VALUES`` rows for (policy index, step kind, previous step kind, event kind) and params;
    a row that matches nothing when there is none."""
    if not triples:
        return "(-1, '', '', '')", []
    return ", ".join(["(%s, %s, %s, %s)"] * len(triples)), [v for row in triples for v in row]


# Episodes (key contact, ``EPISODE_CTES``), switches, the episodes holding at least one switch
# (a switch with no earlier switch since its episode's start), and per-channel threads (key
# contact+channel, the same rule). Two sorts (by contact, then by contact and channel), no grouping.
CONVERSATION_SQL = (
    "WITH "
    + EPISODE_CTES
    + """, f AS (
  SELECT id, c, ch, t, ep_start, CASE WHEN ep_start = 0 AND ch <> prev_ch THEN 1 ELSE 0 END AS sw FROM starts
), g AS (
  SELECT id, c, ch, t, ep_start, sw,
    MAX(CASE WHEN ep_start = 1 THEN t END) OVER (PARTITION BY c ORDER BY t, id ROWS UNBOUNDED PRECEDING) AS ep_t,
    MAX(CASE WHEN sw = 1 THEN t END)
      OVER (PARTITION BY c ORDER BY t, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_sw_t
  FROM f
), h AS (
  SELECT ep_start, sw, ep_t, prev_sw_t, """
    + starts_after_gap("c, ch")
    + """ AS ch_start
  FROM g
)
SELECT SUM(ep_start), SUM(ch_start), SUM(sw),
  SUM(CASE WHEN sw = 1 AND (prev_sw_t IS NULL OR prev_sw_t < ep_t) THEN 1 ELSE 0 END)
FROM h
"""
)

# Agent replies (first sends, not fallbacks) and those whose ticket's channel differs from
# the channel of the customer's latest inbound message at reply time. Channels are numbered
# 1..n within the tenant; the latest inbound channel is carried forward as the running maximum
# of (inbound count * CHANNEL_SLOTS + channel number), so one sort serves both windows.
CHANNEL_SLOTS = 1 << 20  # more channels than any tenant has
REPLY_SQL = """
WITH r AS (
  SELECT ch.{Channel.id} AS id, ROW_NUMBER() OVER (ORDER BY ch.{Channel.id}) AS n
  FROM {Channel} ch WHERE ch.{Channel.tenant} = %s
), s AS (
  SELECT m.{Message.id} AS id, m.{Message.contact} AS c, {t_m} AS t,
    CASE WHEN m.{Message.direction} = {Direction.INBOUND} THEN 1 ELSE 0 END AS inb,
    rc.n AS ch, COALESCE(rk.n, rc.n) AS ticket_ch
  FROM {Message} m
  JOIN r rc ON rc.id = m.{Message.channel}
  LEFT JOIN {Ticket} k ON k.{Ticket.id} = m.{Message.ticket}
  LEFT JOIN r rk ON rk.id = k.{Ticket.channel}
  WHERE m.{Message.tenant} = %s AND m.{Message.occurred_at} >= %s AND m.{Message.occurred_at} < %s
    AND m.{Message.purpose} = {Purpose.CONVERSATION} AND m.{Message.parent} IS NULL
), g AS (
  SELECT c, id, t, inb, ch, ticket_ch,
    SUM(inb) OVER (PARTITION BY c ORDER BY t, inb DESC, id ROWS UNBOUNDED PRECEDING) AS grp
  FROM s
), h AS (
  SELECT inb, ticket_ch, grp,
    MAX(CASE WHEN inb = 1 THEN grp * {slots} + ch END)
      OVER (PARTITION BY c ORDER BY t, inb DESC, id ROWS UNBOUNDED PRECEDING) AS latest
  FROM g
)
SELECT SUM(CASE WHEN inb = 0 AND grp > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN inb = 0 AND grp > 0 AND ticket_ch <> latest %% {slots} THEN 1 ELSE 0 END)
FROM h
"""

# Journey send attempts (sent, or suppressed because the goal was reached) after the contact
# reached the journey's goal on any channel, and for each policy (``v``: the (policy, step kind,
# previous step kind, event kind) triples the policy sees) those whose goal it would have seen.
POST_GOAL_SQL = """
WITH v(p, step, prev, ev) AS (VALUES {visible}),
s AS (
  SELECT r.{StepRun.id} AS id, r.{StepRun.tenant} AS tenant_id, r.{StepRun.contact} AS contact_id, r.{StepRun.at} AS at,
    r.{StepRun.channel_kind} AS channel_kind, r.{StepRun.previous_channel_kind} AS previous_channel_kind,
    j.{Journey.goal_event} AS goal_event, n.{Enrollment.enrolled_at} AS enrolled_at
  FROM {StepRun} r
  JOIN {Journey} j ON j.{Journey.id} = r.{StepRun.journey}
  JOIN {Enrollment} n ON n.{Enrollment.id} = r.{StepRun.enrollment}
  WHERE r.{StepRun.tenant} = %s AND r.{StepRun.at} >= %s AND r.{StepRun.at} < %s
    AND r.{StepRun.step_type} = {StepType.SEND}
    AND r.{StepRun.purpose} IN ({Purpose.MARKETING}, {Purpose.TRANSACTIONAL}) AND j.{Journey.goal_event} <> ''
    AND (r.{StepRun.outcome} = {StepOutcome.SENT}
      OR (r.{StepRun.outcome} = {StepOutcome.SUPPRESSED} AND r.{StepRun.reason} = {StepReason.GOAL_REACHED}))
), g AS (
  SELECT DISTINCT s.id AS sid, s.channel_kind AS step, s.previous_channel_kind AS prev, e.{Event.channel_kind} AS ev
  FROM s JOIN {Event} e ON e.{Event.tenant} = s.tenant_id AND e.{Event.contact} = s.contact_id
    AND e.{Event.name} = s.goal_event AND e.{Event.occurred_at} >= s.enrolled_at AND e.{Event.occurred_at} <= s.at
), seen AS (
  SELECT DISTINCT g.sid, v.p FROM g JOIN v ON v.step = g.step AND v.prev = g.prev AND v.ev = g.ev
)
SELECT (SELECT COUNT(DISTINCT sid) FROM g), {columns}
"""

# Marketing send attempts (sent messages, and journey sends suppressed by a cap): those beyond
# the cap counted across all channels, and among them those within the cap of their channel kind.
CAPPED_SQL = """
WITH a AS (
  SELECT m.{Message.contact} AS c, ch.{Channel.kind} AS kind, {t_m} AS t
  FROM {Message} m JOIN {Channel} ch ON ch.{Channel.id} = m.{Message.channel}
  WHERE m.{Message.tenant} = %s AND m.{Message.occurred_at} >= %s AND m.{Message.occurred_at} < %s
    AND m.{Message.direction} = {Direction.OUTBOUND} AND m.{Message.purpose} = {Purpose.MARKETING}
    AND m.{Message.parent} IS NULL
  UNION ALL
  SELECT r.{StepRun.contact} AS c, r.{StepRun.channel_kind} AS kind, {t_r} AS t
  FROM {StepRun} r
  WHERE r.{StepRun.tenant} = %s AND r.{StepRun.at} >= %s AND r.{StepRun.at} < %s
    AND r.{StepRun.step_type} = {StepType.SEND} AND r.{StepRun.purpose} = {Purpose.MARKETING}
    AND r.{StepRun.outcome} = {StepOutcome.SUPPRESSED} AND r.{StepRun.reason} = {StepReason.CAPPED}
), w AS (
  SELECT COUNT(*) OVER (PARTITION BY c ORDER BY t RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS n_all,
         COUNT(*) OVER (PARTITION BY c, kind ORDER BY t RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS n_kind
  FROM a
)
SELECT SUM(CASE WHEN n_all > {cap} THEN 1 ELSE 0 END),
       SUM(CASE WHEN n_all > {cap} AND n_kind <= {cap} THEN 1 ELSE 0 END)
FROM w
"""

# Redemption attempts refused for their channel ({columns}: one count per policy, of the attempts
# matching none of its ``ACCEPTED_PAIR``s). Attempts on an offer already redeemed or expired are refused under every
# policy and are left out.
REDEMPTION_SQL = """
SELECT {columns}
FROM {OfferRedemption} r JOIN {Offer} o ON o.{Offer.id} = r.{OfferRedemption.offer}
WHERE r.{OfferRedemption.tenant} = %s AND r.{OfferRedemption.at} >= %s AND r.{OfferRedemption.at} < %s
  AND r.{OfferRedemption.reason} NOT IN ({RedemptionReason.ALREADY_REDEEMED}, {RedemptionReason.EXPIRED})
"""

#: one (issued kind, redeemed kind) pair a policy accepts, for ``REDEMPTION_SQL``'s ``{columns}``
ACCEPTED_PAIR = "(o.{Offer.issued_kind} = %s AND r.{OfferRedemption.channel_kind} = %s)"
