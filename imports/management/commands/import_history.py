import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from crm.models import Tenant
from imports.models import ImportFormat
from imports.service import format_guess, import_prepare, import_run
from imports.summary import import_summary


class Command(BaseCommand):
    help = (
        "Import a history of messages and events (CSV, JSON Lines or mbox) into a tenant. "
        "Run again on the same file, it resumes an interrupted import or imports nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("file")
        parser.add_argument("--format", choices=ImportFormat.values, default=None, help="default: from the extension")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, slug, file, format, dry_run, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        if not os.path.isfile(file):
            raise CommandError(f"No file {file!r}.")
        fmt = format or format_guess(file)
        imp = import_prepare(tenant=tenant, path=file, fmt=fmt, dry_run=dry_run, by="manage.py import_history")
        if imp.last_line:
            self.stderr.write(f"Resuming import {imp.pk} after line {imp.last_line}.")
        imp = import_run(history_import=imp, path=file, progress=sys.stderr.isatty())
        self.stdout.write(json.dumps(import_summary(imp), indent=2, ensure_ascii=False))
        if imp.status != "completed":
            raise CommandError(f"Import {imp.pk} failed: {imp.failure}")
