"""``manage.py compare SLUG [--start ISO] [--end ISO] [--format table|json|csv]``."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from crm.management.instants import parse_instant
from crm.models import Tenant
from insights.metrics.comparison import default_period
from insights.metrics.render import as_csv, as_table
from insights.reports.services import report_answer

PERIOD_RULE = (
    "The period is [start, end): start included, end excluded, as on the comparison page (its 'To' day "
    "is excluded) and in the API. A date without a time means its midnight in the tenant's time zone: "
    "--start 2026-11-01 --end 2026-12-01 is the whole of November."
)


class Command(BaseCommand):
    help = "Print the comparison of the three policies for a tenant (metrics.md). " + PERIOD_RULE

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--start", help="ISO 8601 date or date-time, included; default 30 days before end")
        parser.add_argument("--end", help="ISO 8601 date or date-time, excluded; default now")
        parser.add_argument(
            "--format",
            choices=["table", "json", "csv"],
            default="table",
            help="table: readable; json: the API's answer; csv: the table of GET /comparison/?format=csv",
        )

    def handle(self, *args, slug, start, end, format, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        start, end = default_period(
            start=parse_instant(start, "start", tenant.timezone), end=parse_instant(end, "end", tenant.timezone)
        )
        if start >= end:
            raise CommandError("--start must be before --end")
        report = report_answer(tenant=tenant, start=start, end=end).data
        if format == "json":
            self.stdout.write(json.dumps(report, indent=2, sort_keys=False))
        elif format == "csv":
            self.stdout.write(as_csv(report), ending="")
        else:
            self.stdout.write(as_table(report), ending="")
