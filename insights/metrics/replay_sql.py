"""The SQL statements of replay (portable: SQLite 3.28+ and PostgreSQL 11+).

Each statement reads one tenant's rows of one period ``[start, end)`` and returns one row of
aggregates. ``{t_m}``/``{t_r}`` are exact epoch numbers (see ``sqltime``); ``{gap}``,
``{window}`` and ``{cap}`` are integer literals computed from the tenant's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

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
        return template.format(t_m=self.time.epoch("m.occurred_at"), t_r=self.time.epoch("r.at"), **values)


def visible_rows(triples: list[tuple[int, str, str, str]]) -> tuple[str, list]:
    """``VALUES`` rows for (policy index, step kind, previous step kind, event kind) and params;
    a row that matches nothing when there is none."""
    if not triples:
        return "(-1, '', '', '')", []
    return ", ".join(["(%s, %s, %s, %s)"] * len(triples)), [v for row in triples for v in row]


# Episodes (key contact), per-channel threads (key contact+channel), switches, and the
# episodes holding at least one switch (a switch with no earlier switch since its episode's
# start). A gap equal to EPISODE_GAP does not split. Two sorts, no grouping.
CONVERSATION_SQL = """
WITH inb AS (
  SELECT m.id AS id, m.contact_id AS c, m.channel_id AS ch, {t_m} AS t
  FROM crm_message m
  WHERE m.tenant_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s
    AND m.direction = 'inbound' AND m.purpose = 'conversation'
), wc AS (
  SELECT id, c, ch, t, LAG(t) OVER (PARTITION BY c, ch ORDER BY t, id) AS prev_t_ch FROM inb
), w AS (
  SELECT id, c, ch, t, prev_t_ch,
    LAG(t) OVER (PARTITION BY c ORDER BY t, id) AS prev_t,
    LAG(ch) OVER (PARTITION BY c ORDER BY t, id) AS prev_ch
  FROM wc
), f AS (
  SELECT id, c, t,
    CASE WHEN prev_t IS NULL OR t - prev_t > {gap} THEN 1 ELSE 0 END AS ep_start,
    CASE WHEN prev_t_ch IS NULL OR t - prev_t_ch > {gap} THEN 1 ELSE 0 END AS ch_start,
    CASE WHEN prev_t IS NOT NULL AND t - prev_t <= {gap} AND ch <> prev_ch THEN 1 ELSE 0 END AS sw
  FROM w
), g AS (
  SELECT ep_start, ch_start, sw,
    MAX(CASE WHEN ep_start = 1 THEN t END) OVER (PARTITION BY c ORDER BY t, id ROWS UNBOUNDED PRECEDING) AS ep_t,
    MAX(CASE WHEN sw = 1 THEN t END)
      OVER (PARTITION BY c ORDER BY t, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_sw_t
  FROM f
)
SELECT SUM(ep_start), SUM(ch_start), SUM(sw),
  SUM(CASE WHEN sw = 1 AND (prev_sw_t IS NULL OR prev_sw_t < ep_t) THEN 1 ELSE 0 END)
FROM g
"""

# Agent replies (first sends, not fallbacks) and those whose ticket's channel differs from
# the channel of the customer's latest inbound message at reply time. Channels are numbered
# 1..n within the tenant; the latest inbound channel is carried forward as the running maximum
# of (inbound count * CHANNEL_SLOTS + channel number), so one sort serves both windows.
CHANNEL_SLOTS = 1 << 20  # more channels than any tenant has
REPLY_SQL = """
WITH r AS (
  SELECT ch.id AS id, ROW_NUMBER() OVER (ORDER BY ch.id) AS n FROM crm_channel ch WHERE ch.tenant_id = %s
), s AS (
  SELECT m.id AS id, m.contact_id AS c, {t_m} AS t,
    CASE WHEN m.direction = 'inbound' THEN 1 ELSE 0 END AS inb,
    rc.n AS ch, COALESCE(rk.n, rc.n) AS ticket_ch
  FROM crm_message m
  JOIN r rc ON rc.id = m.channel_id
  LEFT JOIN crm_ticket k ON k.id = m.ticket_id
  LEFT JOIN r rk ON rk.id = k.channel_id
  WHERE m.tenant_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s
    AND m.purpose = 'conversation' AND m.parent_id IS NULL
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
  SELECT r.id AS id, r.tenant_id, r.contact_id, r.at, r.channel_kind, r.previous_channel_kind, j.goal_event,
    n.enrolled_at
  FROM journeys_steprun r
  JOIN journeys_journey j ON j.id = r.journey_id
  JOIN journeys_enrollment n ON n.id = r.enrollment_id
  WHERE r.tenant_id = %s AND r.at >= %s AND r.at < %s AND r.step_type = 'send'
    AND r.purpose IN ('marketing', 'transactional') AND j.goal_event <> ''
    AND (r.outcome = 'sent' OR (r.outcome = 'suppressed' AND r.reason = 'goal_reached'))
), g AS (
  SELECT DISTINCT s.id AS sid, s.channel_kind AS step, s.previous_channel_kind AS prev, e.channel_kind AS ev
  FROM s JOIN crm_event e ON e.tenant_id = s.tenant_id AND e.contact_id = s.contact_id AND e.name = s.goal_event
    AND e.occurred_at >= s.enrolled_at AND e.occurred_at <= s.at
), seen AS (
  SELECT DISTINCT g.sid, v.p FROM g JOIN v ON v.step = g.step AND v.prev = g.prev AND v.ev = g.ev
)
SELECT (SELECT COUNT(DISTINCT sid) FROM g), {columns}
"""

# Marketing send attempts (sent messages, and journey sends suppressed by a cap): those beyond
# the cap counted across all channels, and among them those within the cap of their channel kind.
CAPPED_SQL = """
WITH a AS (
  SELECT m.contact_id AS c, ch.kind AS kind, {t_m} AS t
  FROM crm_message m JOIN crm_channel ch ON ch.id = m.channel_id
  WHERE m.tenant_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s
    AND m.direction = 'outbound' AND m.purpose = 'marketing' AND m.parent_id IS NULL
  UNION ALL
  SELECT r.contact_id AS c, r.channel_kind AS kind, {t_r} AS t
  FROM journeys_steprun r
  WHERE r.tenant_id = %s AND r.at >= %s AND r.at < %s AND r.step_type = 'send'
    AND r.purpose = 'marketing' AND r.outcome = 'suppressed' AND r.reason = 'capped'
), w AS (
  SELECT COUNT(*) OVER (PARTITION BY c ORDER BY t RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS n_all,
         COUNT(*) OVER (PARTITION BY c, kind ORDER BY t RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS n_kind
  FROM a
)
SELECT SUM(CASE WHEN n_all > {cap} THEN 1 ELSE 0 END),
       SUM(CASE WHEN n_all > {cap} AND n_kind <= {cap} THEN 1 ELSE 0 END)
FROM w
"""

# Redemption attempts refused for their channel ({columns}: one count per policy). Attempts on
# an offer already redeemed or expired are refused under every policy and are left out.
REDEMPTION_SQL = """
SELECT {columns}
FROM journeys_offerredemption r JOIN journeys_offer o ON o.id = r.offer_id
WHERE r.tenant_id = %s AND r.at >= %s AND r.at < %s AND r.reason NOT IN ('already_redeemed', 'expired')
"""
