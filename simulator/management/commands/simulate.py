"""``manage.py simulate SLUG --customers N --days D [--seed S] [--start ISO8601]``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.management.instants import parse_instant
from crm.management.progress import ProgressBar
from crm.models import Tenant
from simulator.services import simulation_run


def default_start(days: int) -> datetime:
    """Midnight UTC ``days`` days ago: the simulated period ends today."""
    today = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days)


class Command(BaseCommand):
    help = "Drive the real services with synthetic customers in virtual time (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", help="ISO 8601 (default: midnight UTC, --days days ago)")

    def handle(self, *args, slug, customers, days, seed, start, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        if customers < 1 or days < 1:
            raise CommandError("--customers and --days must be at least 1.")
        start_at = parse_instant(start, "start") or default_start(days)
        run = simulation_run(
            tenant=tenant,
            customers=customers,
            days=days,
            seed=seed,
            start=start_at,
            on_day=ProgressBar(self.stderr._out),
        )
        self.stdout.write(
            f"Simulated {customers} customers over {days} days from {run.start.isoformat()} "
            f"(seed {seed}) for {tenant.slug}."
        )
        self.stdout.write("Assumptions (behaviour only; the policies' decisions are the system's own):")
        for line in run.assumptions:
            self.stdout.write(f"  - {line}")
        self.stdout.write("What happened:")
        for name, value in run.counts.items():
            self.stdout.write(f"  {name}: {', '.join(value) or '-' if isinstance(value, list) else value}")
        self.stdout.write(
            f"Compare: manage.py compare {tenant.slug} --start {run.start.isoformat()} --end {run.end.isoformat()}"
        )
