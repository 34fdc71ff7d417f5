"""Observed metrics (metrics.md, "Observed metrics"): outcomes as they happened, split by the
contact's effective mode at the time (recorded mode changes, experiment cohorts), each with its
sample size and a 95% interval, and with an experiment the cohort difference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.models import Direction, Event, Message, Tenant, Ticket
from crm.policies import cohort_mode
from crm.services.sla import sla_outcome
from journeys.models import Enrollment

from . import stats
from .modes import ModeTimeline
from .observed_sql import AGENT_CHANGES_SQL, EPISODES_SQL
from .replay_sql import SqlParts
from .sqltime import sql_time

CSAT_EVENT = "csat.rating"
OPT_OUT_EVENT = "consent.opted_out"
FETCH_SIZE = 2000


@dataclass
class Samples:
    """Per-unit values of one group (an effective mode or an experiment cohort)."""

    first_response: list[float] = field(default_factory=list)
    messages: list[float] = field(default_factory=list)
    tickets: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    csat: list[float] = field(default_factory=list)
    agent_changes: list[float] = field(default_factory=list)
    sla: list[int] = field(default_factory=lambda: [0, 0])  # [tickets decided, attained]
    unanswered: int = 0
    enrolled: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # journey -> [n, converted]
    messaged: set = field(default_factory=set)
    opted_out: set = field(default_factory=set)


class Groups:
    def __init__(self, timeline: ModeTimeline) -> None:
        self.timeline = timeline
        self.by_mode: dict[str, Samples] = defaultdict(Samples)
        self.by_cohort: dict[str, Samples] = defaultdict(Samples)

    def targets(self, contact_id: int, when: datetime, mode: str | None = None) -> list[Samples]:
        effective, cohort = self.timeline.at(contact_id, when)
        out = [self.by_mode[mode or effective]]
        if cohort is not None:
            out.append(self.by_cohort[cohort])
        return out


def _datetime(value) -> datetime:
    """A datetime from a raw SQL row (SQLite gives naive UTC text)."""
    value = parse_datetime(value) if isinstance(value, str) else value
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _collect_episodes(groups: Groups, parts: SqlParts, gap_seconds: int) -> None:
    sql = parts.render(EPISODES_SQL, gap=parts.time.seconds(gap_seconds))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parts.params(), parts.tenant_id])
        while rows := cursor.fetchmany(FETCH_SIZE):
            for contact_id, started_at, n, tickets, first_response in rows:
                for samples in groups.targets(contact_id, _datetime(started_at)):
                    samples.messages.append(n)
                    samples.tickets.append(tickets)
                    if first_response is None:
                        samples.unanswered += 1
                    else:
                        samples.first_response.append(parts.time.to_seconds(first_response))


def _collect_agent_changes(groups: Groups, parts: SqlParts, gap_seconds: int) -> None:
    sql = parts.render(AGENT_CHANGES_SQL, gap=parts.time.seconds(gap_seconds))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parts.params(), *parts.params()])
        while rows := cursor.fetchmany(FETCH_SIZE):
            for contact_id, started_at, changes in rows:
                for samples in groups.targets(contact_id, _datetime(started_at)):
                    samples.agent_changes.append(int(changes))


def _collect_sla(groups: Groups, tenant: Tenant, start: datetime, end: datetime) -> None:
    """Tickets created in the period with due times: attained, breached, or not decided yet
    (a target still running, none breached), which is left out."""
    now = timezone.now()
    rows = Ticket.objects.filter(
        tenant=tenant, created_at__gte=start, created_at__lt=end, sla__isnull=False
    ).select_related("sla")
    for ticket in rows.iterator(chunk_size=FETCH_SIZE):
        outcome = sla_outcome(ticket=ticket, now=now)
        if outcome is None:
            continue
        for samples in groups.targets(ticket.contact_id, ticket.created_at, ticket.mode):
            samples.sla[0] += 1
            samples.sla[1] += int(outcome)


def _collect_tickets(groups: Groups, tenant: Tenant, start: datetime, end: datetime) -> None:
    rows = Ticket.objects.filter(
        tenant=tenant, created_at__gte=start, created_at__lt=end, resolved_at__isnull=False
    ).values_list("contact_id", "mode", "created_at", "resolved_at")
    for contact_id, mode, created_at, resolved_at in rows.iterator(chunk_size=FETCH_SIZE):
        for samples in groups.targets(contact_id, created_at, mode):
            samples.resolution.append((resolved_at - created_at).total_seconds())


def _collect_csat(groups: Groups, tenant: Tenant, start: datetime, end: datetime) -> None:
    rows = Event.objects.filter(tenant=tenant, name=CSAT_EVENT, occurred_at__gte=start, occurred_at__lt=end)
    for contact_id, occurred_at, properties in rows.values_list("contact_id", "occurred_at", "properties").iterator(
        chunk_size=FETCH_SIZE
    ):
        rating = (properties or {}).get("rating")
        if isinstance(rating, int) and 1 <= rating <= 5:
            for samples in groups.targets(contact_id, occurred_at):
                samples.csat.append(rating)


def _collect_enrollments(groups: Groups, tenant: Tenant, start: datetime, end: datetime) -> None:
    rows = (
        Enrollment.objects.filter(tenant=tenant, enrolled_at__gte=start, enrolled_at__lt=end)
        .values("mode", "cohort", "journey__name")
        .annotate(n=Count("id"), converted=Count("converted_at"))
        .order_by("mode", "cohort", "journey__name")
    )
    for row in rows:
        targets = [groups.by_mode[row["mode"]]] + ([groups.by_cohort[row["cohort"]]] if row["cohort"] else [])
        for samples in targets:
            counts = samples.enrolled[row["journey__name"]]
            counts[0] += row["n"]
            counts[1] += row["converted"]


def _collect_opt_outs(groups: Groups, tenant: Tenant, start: datetime, end: datetime) -> None:
    messaged = (
        Message.objects.filter(tenant=tenant, direction=Direction.OUTBOUND, occurred_at__gte=start, occurred_at__lt=end)
        .values("contact_id")
        .annotate(first=Min("occurred_at"))
        .order_by("contact_id")
    )
    opted = set(
        Event.objects.filter(tenant=tenant, name=OPT_OUT_EVENT, occurred_at__gte=start, occurred_at__lt=end)
        .values_list("contact_id", flat=True)
        .distinct()
    )
    for row in messaged.iterator(chunk_size=FETCH_SIZE):
        for samples in groups.targets(row["contact_id"], row["first"]):
            samples.messaged.add(row["contact_id"])
            if row["contact_id"] in opted:
                samples.opted_out.add(row["contact_id"])


def collect(*, tenant: Tenant, start: datetime, end: datetime) -> Groups:
    groups = Groups(ModeTimeline(tenant))
    parts = SqlParts(time=sql_time(), tenant_id=tenant.pk, start=start, end=end)
    _collect_episodes(groups, parts, tenant.episode_gap_hours * 3600)
    _collect_agent_changes(groups, parts, tenant.episode_gap_hours * 3600)
    _collect_sla(groups, tenant, start, end)
    _collect_tickets(groups, tenant, start, end)
    _collect_csat(groups, tenant, start, end)
    _collect_enrollments(groups, tenant, start, end)
    _collect_opt_outs(groups, tenant, start, end)
    return groups


# -- summaries --------------------------------------------------------------------------------
def _durations(values: list[float]) -> dict:
    median, p90 = stats.summary(values, "median"), stats.summary(values, "p90")
    return {
        "n": median["n"],
        "median": median["value"],
        "median_ci": median["ci"],
        "p90": p90["value"],
        "p90_ci": p90["ci"],
    }


def _mean(values: list[float]) -> dict:
    s = stats.summary(values, "mean")
    return {"n": s["n"], "mean": s["value"], "ci": s["ci"]}


def _rate(successes: int, n: int) -> dict:
    s = stats.rate_summary(successes, n)
    return {"n": n, "count": successes, "rate": s["value"], "ci": s["ci"]}


def summarize(samples: Samples) -> dict:
    total_n = sum(n for n, _ in samples.enrolled.values())
    total_converted = sum(c for _, c in samples.enrolled.values())
    conversion = _rate(total_converted, total_n)
    conversion["journeys"] = {name: _rate(c, n) for name, (n, c) in sorted(samples.enrolled.items())}
    return {
        "first_response_seconds": {**_durations(samples.first_response), "unanswered": samples.unanswered},
        "resolution_seconds": _durations(samples.resolution),
        "customer_messages_per_episode": _mean(samples.messages),
        "tickets_per_episode": _mean(samples.tickets),
        "agent_changes_per_episode": _mean(samples.agent_changes),
        "sla_attainment": _rate(samples.sla[1], samples.sla[0]),
        "csat": _mean(samples.csat),
        "journey_conversion_rate": conversion,
        "opt_out_rate": _rate(len(samples.opted_out), len(samples.messaged)),
    }


def cohort_difference(holdout: Samples, treatment: Samples) -> dict:
    """Treatment minus holdout for each observed figure, with its 95% interval."""

    def rates(s: Samples) -> tuple[int, int]:
        return sum(c for _, c in s.enrolled.values()), sum(n for n, _ in s.enrolled.values())

    (conv_h, n_h), (conv_t, n_t) = rates(holdout), rates(treatment)
    return {
        "first_response_seconds_median": stats.difference(holdout.first_response, treatment.first_response, "median"),
        "resolution_seconds_median": stats.difference(holdout.resolution, treatment.resolution, "median"),
        "customer_messages_per_episode": stats.difference(holdout.messages, treatment.messages, "mean"),
        "tickets_per_episode": stats.difference(holdout.tickets, treatment.tickets, "mean"),
        "agent_changes_per_episode": stats.difference(holdout.agent_changes, treatment.agent_changes, "mean"),
        "sla_attainment": stats.rate_difference(holdout.sla[1], holdout.sla[0], treatment.sla[1], treatment.sla[0]),
        "csat": stats.difference(holdout.csat, treatment.csat, "mean"),
        "journey_conversion_rate": stats.rate_difference(conv_h, n_h, conv_t, n_t),
        "opt_out_rate": stats.rate_difference(
            len(holdout.opted_out), len(holdout.messaged), len(treatment.opted_out), len(treatment.messaged)
        ),
    }


def observed_metrics(*, tenant: Tenant, start: datetime, end: datetime) -> tuple[dict, dict | None]:
    """(observed figures per effective mode, the experiment block or ``None``)."""
    groups = collect(tenant=tenant, start=start, end=end)
    modes = sorted(groups.timeline.modes_between(start, end) | set(groups.by_mode))
    observed = {mode: summarize(groups.by_mode[mode]) for mode in modes}
    experiment = groups.timeline.experiment_between(start, end)
    if experiment is None and not groups.by_cohort:
        return observed, None
    holdout, treatment = groups.by_cohort["holdout"], groups.by_cohort["treatment"]
    block = {
        **(experiment or {}),
        "cohorts": {
            name: {"mode": cohort_mode(name), **summarize(samples)}
            for name, samples in (("holdout", holdout), ("treatment", treatment))
        },
        "difference": cohort_difference(holdout, treatment),
    }
    return observed, block
