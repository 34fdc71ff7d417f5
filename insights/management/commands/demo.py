"""``manage.py demo``: everything a newcomer needs to see the comparison within a minute.

Migrates, creates the ``demo`` tenant (omnichannel with a 50% multichannel holdout, so both
policies run on the same weeks), a staff login and console channels, simulates a month of
customers, prints the comparison and how to open the dashboards. Running it again keeps the
data (the month is simulated once) and prints a fresh password and the comparison.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from crm.management.progress import ProgressBar
from crm.models import Membership, ModeChange, Role, Tenant
from crm.services.tenants import tenant_create, tenant_update
from insights.metrics.comparison import comparison_report
from insights.metrics.render import as_table
from simulator.management.commands.simulate import default_start
from simulator.models import SimulationRun
from simulator.services import simulation_run

SLUG, USERNAME = "demo", "demo"
SAMPLE_HISTORY = "samples/history.csv"
SAMPLE_PERIOD = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
CUSTOMERS, DAYS, SEED, HOLDOUT = 60, 30, 2026, 50


@transaction.atomic
def demo_tenant(*, since: datetime) -> tuple[Tenant, bool]:
    """The demo tenant, created as if it had been running since ``since`` (its first recorded
    mode precedes the simulated month, so the experiment started later stays in force)."""
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is not None:
        return tenant, False
    tenant = tenant_create(slug=SLUG, name="Demo shop", mode="omnichannel", by="demo")
    ModeChange.objects.filter(tenant=tenant).update(changed_at=since)
    # The cohorts follow the salt: a salt of the seed makes two installs split the same contacts.
    Tenant.objects.filter(pk=tenant.pk).update(experiment_salt=f"{SLUG}-{SEED}")
    changes = {"frequency_cap_max_sends": 2, "frequency_cap_days": 7, "offer_links": {"email": ["webchat"]}}
    tenant = tenant_update(tenant=tenant, changes=changes, by="demo")
    return tenant, True


def demo_history(tenant: Tenant) -> str:
    """Import the sample history (run again: nothing new) and its comparison, as a table."""
    from django.conf import settings

    from imports.service import import_prepare, import_run

    path = str(settings.BASE_DIR / SAMPLE_HISTORY)
    imp = import_run(history_import=import_prepare(tenant=tenant, path=path, fmt="csv", by="demo"), path=path)
    report = comparison_report(tenant=tenant, start=SAMPLE_PERIOD[0], end=SAMPLE_PERIOD[1])
    return (
        f"\nImported {SAMPLE_HISTORY}: {imp.rows} rows, {imp.imported} imported, {imp.skipped} already there, "
        f"{imp.error_count} refused. Its month, January 2026:\n\n" + as_table(report)
    )


def demo_login(tenant: Tenant) -> str:
    """The staff user (no superuser) with a manager membership; a new password each run."""
    user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_staff": True})
    password = secrets.token_urlsafe(9)
    user.is_staff, user.is_active = True, True
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(tenant=tenant, user=user, defaults={"role": Role.MANAGER})
    return password


class Command(BaseCommand):
    help = "Set up a demo tenant with a simulated month and print the comparison of the three policies."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=None, help=f"simulated customers (default {CUSTOMERS})")
        parser.add_argument("--days", type=int, default=None, help=f"simulated days (default {DAYS})")
        parser.add_argument(
            "--history", action="store_true", help=f"also import the sample history {SAMPLE_HISTORY} and compare it"
        )

    def handle(self, *args, customers=None, days=None, history=False, **options):
        customers, days = customers or CUSTOMERS, days or DAYS
        call_command("migrate", interactive=False, verbosity=0)
        start = default_start(days)
        tenant, created = demo_tenant(since=start - timedelta(days=1))
        password = demo_login(tenant)
        run = SimulationRun.objects.filter(tenant=tenant).order_by("id").first()
        if run is None:
            tenant = tenant_update(
                tenant=tenant, changes={"experiment": {"holdout_percent": HOLDOUT}}, by="demo", at=start
            )
            self.stdout.write(f"Simulating {customers} customers over {days} days (seed {SEED})...")
            run = simulation_run(
                tenant=tenant,
                customers=customers,
                days=days,
                seed=SEED,
                start=start,
                on_day=ProgressBar(self.stderr._out),
            )
        else:
            self.stdout.write(
                f"The demo month was simulated before ({run.start:%Y-%m-%d} to {run.end:%Y-%m-%d}); kept."
            )
        report = comparison_report(tenant=tenant, start=run.start, end=run.end)
        self.stdout.write("")
        self.stdout.write(as_table(report), ending="")
        self.stdout.write(
            "\nOpen the product:\n"
            "  DEBUG=true .venv/bin/python manage.py runserver   (or make demo)\n"
            "  Dashboards: http://127.0.0.1:8000/dashboard/   Admin: http://127.0.0.1:8000/admin/\n"
            f"  Staff login: username {USERNAME!r}, password {password!r} (a new one each time you run demo)\n"
            f"  API key: .venv/bin/python manage.py create_api_key {SLUG} --role manager\n"
            f"  Same report: .venv/bin/python manage.py compare {SLUG} --start {run.start.isoformat()} "
            f"--end {run.end.isoformat()} [--format json|csv]\n"
            f"  Import a sample history: .venv/bin/python manage.py demo --history   (the file: {SAMPLE_HISTORY})\n"
        )
        if history:
            self.stdout.write(demo_history(tenant))
