"""SQL of the observed metrics: one row per episode, computed in the database."""

from __future__ import annotations

from .episode_sql import EPISODE_CTES

# One row per episode (``EPISODE_CTES``): contact, start, inbound conversation messages, live
# tickets touched, and the delay to the first agent reply on any channel before the next episode
# starts (NULL when unanswered). Rows come ordered, so the caller can stream them.
EPISODES_SQL = (
    "WITH "
    + EPISODE_CTES
    + """, g AS (
  SELECT c, ticket_id, occurred_at, t, SUM(ep_start) OVER (PARTITION BY c ORDER BY t, id ROWS UNBOUNDED PRECEDING) AS ep
  FROM starts
), e AS (
  SELECT c, ep, MIN(occurred_at) AS started_at, MIN(t) AS start_t, COUNT(*) AS n,
    COUNT(DISTINCT ticket_id) AS tickets
  FROM g GROUP BY c, ep
), x AS (
  SELECT c, started_at, start_t, n, tickets, LEAD(started_at) OVER (PARTITION BY c ORDER BY start_t) AS next_at FROM e
)
SELECT x.c, x.started_at, x.n, x.tickets,
  (SELECT MIN({t_m}) FROM {Message} m
    WHERE m.{Message.tenant} = %s AND m.{Message.contact} = x.c AND m.{Message.direction} = {Direction.OUTBOUND}
      AND m.{Message.purpose} = {Purpose.CONVERSATION} AND m.{Message.parent} IS NULL
      AND m.{Message.occurred_at} >= x.started_at AND (x.next_at IS NULL OR m.{Message.occurred_at} < x.next_at))
    - x.start_t AS first_response
FROM x ORDER BY x.c, x.start_t
"""
)

# One row per episode (``EPISODE_CTES``): contact, start, and the agent changes in it: agent
# replies (outbound conversation messages, not fallback copies, with an author) from its start
# to the next episode's, each whose author differs from the reply before it in the episode.
# A reply at the instant of an inbound message comes after it, as in ``REPLY_SQL``.
AGENT_CHANGES_SQL = (
    "WITH "
    + EPISODE_CTES
    + """, a AS (
  SELECT c, t, id, 1 AS inb, ep_start, occurred_at, '' AS author FROM starts
  UNION ALL
  SELECT m.{Message.contact}, {t_m}, m.{Message.id}, 0, 0, m.{Message.occurred_at}, m.{Message.author}
  FROM {Message} m
  WHERE m.{Message.tenant} = %s AND m.{Message.occurred_at} >= %s AND m.{Message.occurred_at} < %s
    AND m.{Message.direction} = {Direction.OUTBOUND} AND m.{Message.purpose} = {Purpose.CONVERSATION}
    AND m.{Message.parent} IS NULL AND m.{Message.author} <> ''
), g AS (
  SELECT c, t, id, inb, occurred_at, author,
    SUM(ep_start) OVER (PARTITION BY c ORDER BY t, inb DESC, id ROWS UNBOUNDED PRECEDING) AS ep
  FROM a
), r AS (
  SELECT c, ep, CASE WHEN LAG(author) OVER (PARTITION BY c, ep ORDER BY t, id) <> author THEN 1 ELSE 0 END AS changed
  FROM g WHERE inb = 0 AND ep > 0
), e AS (
  SELECT c, ep, MIN(occurred_at) AS started_at, MIN(t) AS start_t FROM g WHERE inb = 1 GROUP BY c, ep
)
SELECT e.c, e.started_at, COALESCE(SUM(r.changed), 0)
FROM e LEFT JOIN r ON r.c = e.c AND r.ep = e.ep
GROUP BY e.c, e.ep, e.started_at, e.start_t ORDER BY e.c, e.start_t
"""
)
