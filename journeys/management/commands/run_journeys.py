from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.management.instants import parse_instant
from journeys.engine import BATCH_SIZE, journeys_tick


class Command(BaseCommand):
    help = "Run every journey step due up to --until (default now). Safe to run alongside workers."

    def add_arguments(self, parser):
        parser.add_argument("--until", help="ISO 8601 date and time (default: now)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, until=None, batch_size=BATCH_SIZE, **options):
        moment = parse_instant(until, "until") or timezone.now()
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = journeys_tick(until=moment, batch_size=batch_size)
        self.stdout.write(
            f"Ran {result.steps} steps of {result.enrollments} enrollments in {result.batches} batches; "
            f"{result.sent} messages sent."
        )
