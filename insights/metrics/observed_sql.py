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
