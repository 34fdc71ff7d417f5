"""``manage.py compare SLUG [--start ISO] [--end ISO] [--format table|json|csv]``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from crm.management.instants import parse_instant
from crm.models import Tenant
from insights.metrics.comparison import comparison_report, default_period
from insights.metrics.render import as_csv, as_table


class Command(BaseCommand):
    help = "Print the comparison of the three policies for a tenant (metrics.md)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--start", help="ISO 8601 date or date-time (tenant time zone if none given), default 30 days before end"
        )
        parser.add_argument("--end", help="ISO 8601, exclusive, default now")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")

    def handle(self, *args, slug, start, end, format, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        start, end = default_period(
            start=parse_instant(start, "start", tenant.timezone), end=parse_instant(end, "end", tenant.timezone)
        )
        if start >= end:
            raise CommandError("--start must be before --end")
        report = comparison_report(tenant=tenant, start=start, end=end)
        if format == "json":
            self.stdout.write(json.dumps(report, indent=2, sort_keys=False))
        elif format == "csv":
            self.stdout.write(as_csv(report), ending="")
        else:
            self.stdout.write(as_table(report), ending="")
