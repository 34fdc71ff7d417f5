"""SQL of the observed metrics: one row per episode, computed in the database."""

from __future__ import annotations

# One row per episode: contact, start, inbound conversation messages, live tickets touched,
# and the delay to the first agent reply on any channel before the next episode starts
# (NULL when unanswered). Rows come ordered, so the caller can stream them.
EPISODES_SQL = """
WITH inb AS (
  SELECT m.id AS id, m.contact_id AS c, m.ticket_id AS ticket_id, m.occurred_at AS occurred_at, {t_m} AS t
  FROM crm_message m
  WHERE m.tenant_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s
    AND m.direction = 'inbound' AND m.purpose = 'conversation'
), w AS (
  SELECT id, c, ticket_id, occurred_at, t, LAG(t) OVER (PARTITION BY c ORDER BY t, id) AS prev_t FROM inb
), g AS (
  SELECT c, ticket_id, occurred_at, t,
    SUM(CASE WHEN prev_t IS NULL OR t - prev_t > {gap} THEN 1 ELSE 0 END)
      OVER (PARTITION BY c ORDER BY t, id ROWS UNBOUNDED PRECEDING) AS ep
  FROM w
), e AS (
  SELECT c, ep, MIN(occurred_at) AS started_at, MIN(t) AS start_t, COUNT(*) AS n,
    COUNT(DISTINCT ticket_id) AS tickets
  FROM g GROUP BY c, ep
), x AS (
  SELECT c, started_at, start_t, n, tickets, LEAD(started_at) OVER (PARTITION BY c ORDER BY start_t) AS next_at FROM e
)
SELECT x.c, x.started_at, x.n, x.tickets,
  (SELECT MIN({t_m}) FROM crm_message m
    WHERE m.tenant_id = %s AND m.contact_id = x.c AND m.direction = 'outbound' AND m.purpose = 'conversation'
      AND m.parent_id IS NULL AND m.occurred_at >= x.started_at
      AND (x.next_at IS NULL OR m.occurred_at < x.next_at)) - x.start_t AS first_response
FROM x ORDER BY x.c, x.start_t
"""
