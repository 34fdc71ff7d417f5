"""The episode rule in SQL (metrics.md, "Episodes, threads, switches"), written once for replay
and the observed metrics.

``EPISODE_CTES`` is the start of a ``WITH`` clause: ``inb``, the tenant's inbound
conversation messages of the period, then ``starts``, the same rows (``id``, contact ``c``,
channel ``ch``, ``ticket_id``, ``occurred_at``, exact time ``t``) with the previous message's
channel ``prev_ch`` and ``ep_start``, 1 on the message that opens an episode. Its parameters are
the tenant id, the start and the end; ``{t_m}`` and ``{gap}`` are filled in by
``SqlParts.render``.
"""

from __future__ import annotations


def starts_after_gap(partition: str) -> str:
    """1 when the row opens a new run of the messages of its ``partition`` (ordered by time,
    then id): it is the first, or the gap since the previous one exceeds ``{gap}``; else 0.
    A gap of exactly ``{gap}`` does not split."""
    previous = f"LAG(t) OVER (PARTITION BY {partition} ORDER BY t, id)"
    return f"CASE WHEN {previous} IS NULL OR t - {previous} > {{gap}} THEN 1 ELSE 0 END"


EPISODE_CTES = (
    """inb AS (
  SELECT m.{Message.id} AS id, m.{Message.contact} AS c, m.{Message.channel} AS ch, m.{Message.ticket} AS ticket_id,
    m.{Message.occurred_at} AS occurred_at, {t_m} AS t
  FROM {Message} m
  WHERE m.{Message.tenant} = %s AND m.{Message.occurred_at} >= %s AND m.{Message.occurred_at} < %s
    AND m.{Message.direction} = {Direction.INBOUND} AND m.{Message.purpose} = {Purpose.CONVERSATION}
), starts AS (
  SELECT id, c, ch, ticket_id, occurred_at, t,
    LAG(ch) OVER (PARTITION BY c ORDER BY t, id) AS prev_ch,
    """
    + starts_after_gap("c")
    + """ AS ep_start
  FROM inb
)"""
)
