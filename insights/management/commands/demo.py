"""``manage.py demo``: everything a newcomer needs to see the comparison within a minute.

Migrates, creates the ``demo`` tenant (omnichannel with a 50% multichannel holdout, so both
policies run on the same weeks), a staff login and console channels, simulates a month of
customers, prints the comparison and how to open the dashboards. Running it again keeps the
data (the month is simulated once) and prints a fresh password and the comparison.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from channels_app.adapters.base import webhook_url
from crm.management.progress import ProgressBar
from crm.models import Channel, Membership, ModeChange, Role, Tenant
from crm.services.tenants import channel_create, tenant_create, tenant_update
from insights.metrics.render import as_table
from insights.reports.services import report_answer
from insights.reports.time import tenant_zone
from simulator.management.commands.simulate import default_start
from simulator.models import SimulationRun
from simulator.population import WIDGET_ORIGINS
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
    from imports.service import import_prepare, import_run

    path = str(settings.BASE_DIR / SAMPLE_HISTORY)
    imp = import_run(history_import=import_prepare(tenant=tenant, path=path, fmt="csv", by="demo"), path=path)
    report = report_answer(tenant=tenant, start=SAMPLE_PERIOD[0], end=SAMPLE_PERIOD[1]).data
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


def demo_widget(tenant: Tenant) -> str:
    """How to try the web chat widget: a page of another origin that embeds it."""
    channel = Channel.objects.filter(tenant=tenant, kind="webchat", provider="widget").order_by("pk").first()
    if channel is None:  # a demo tenant from before the widget
        credentials = {"allowed_origins": WIDGET_ORIGINS, "secret": secrets.token_hex(16)}
        channel = channel_create(
            tenant=tenant, kind="webchat", name="Site chat", provider="widget", credentials=credentials, by="demo"
        )
    snippet = f'<script src="{webhook_url(channel)}widget.js" async></script>'
    return (
        "  Web chat widget, on a page of another origin: save this line as shop/index.html,\n"
        f"    {snippet}\n"
        "  run `python3 -m http.server 8001 -d shop` and open http://127.0.0.1:8001/ "
        "(then answer from the dashboards)\n"
    )


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
        call_command("collectstatic", interactive=False, verbosity=0)  # served as is by the server
        tenant, created = demo_tenant(since=default_start(days) - timedelta(days=2))
        password = demo_login(tenant)
        run = SimulationRun.objects.filter(tenant=tenant).order_by("id").first()
        if run is None:
            start = local_midnight(default_start(days), tenant)
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
        report = report_answer(tenant=tenant, start=run.start, end=run.end).data
        self.stdout.write("")
        self.stdout.write(as_table(report), ending="")
        self.stdout.write(how_to_open(tenant, run.start, run.end, password) + demo_widget(tenant))
        if history:
            self.stdout.write(demo_history(tenant))


def local_midnight(at: datetime, tenant: Tenant) -> datetime:
    """Midnight of ``at``'s day in the tenant's zone: the simulated days are the tenant's days."""
    return datetime.combine(at.astimezone(tenant_zone(tenant)).date(), time.min, tzinfo=tenant_zone(tenant))


def _local(at: datetime, tenant: Tenant) -> str:
    """A date when ``at`` is a midnight of the tenant's zone, else the full local date-time."""
    local = at.astimezone(tenant_zone(tenant))
    return local.date().isoformat() if local.time() == time.min else local.isoformat()


def how_to_open(tenant: Tenant, start: datetime, end: datetime, password: str) -> str:
    """The server to start and the URLs it serves (``PUBLIC_BASE_URL``, which ``make demo``
    sets from its HOST and PORT, as the channels' webhook URLs are)."""
    base = settings.PUBLIC_BASE_URL
    address = urlsplit(base).netloc
    channel = Channel.objects.filter(tenant=tenant).order_by("pk").first()
    period = f"--start {_local(start, tenant)} --end {_local(end, tenant)}"
    page = f"{base}/dashboard/comparison/?start={_local(start, tenant)[:10]}&end={_local(end, tenant)[:10]}"
    return (
        "\nOpen the product:\n"
        f"  DEBUG=true .venv/bin/python manage.py runserver {address}   (or make demo)\n"
        f"  Dashboards: {base}/dashboard/   Admin: {base}/admin/\n"
        f"  This comparison: {page}\n"
        f"  Staff login: username {USERNAME!r}, password {password!r} (a new one each time you run demo)\n"
        f"  API key: .venv/bin/python manage.py create_api_key {SLUG} --role manager\n"
        f"  Same report: .venv/bin/python manage.py compare {SLUG} {period} [--format json|csv]"
        f"   (dates in {tenant.timezone}, end excluded)\n"
        + (f"  Channel webhooks, e.g. {channel.name}: {webhook_url(channel)}\n" if channel else "")
        + f"  Import a sample history: .venv/bin/python manage.py demo --history   (the file: {SAMPLE_HISTORY})\n"
    )
