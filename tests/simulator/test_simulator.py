"""The simulator drives the real services, deterministically for a seed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from crm.models import Event, Message, ModeChange, Tenant, Ticket
from crm.services.tenants import tenant_create
from simulator.models import SimulationRun

START, END = "2026-03-02T00:00:00Z", "2026-03-07T00:00:00Z"


def _tenant(slug="sim", experiment=None):
    tenant = tenant_create(slug=slug, name="Simulated shop", mode="omnichannel")
    tenant.experiment_salt = "fixed-salt"
    tenant.frequency_cap_max_sends, tenant.frequency_cap_days = 2, 7
    tenant.save()
    ModeChange.objects.filter(tenant=tenant).update(changed_at="2026-01-01T00:00:00Z")
    if experiment is not None:
        from crm.services.tenants import tenant_update

        tenant = tenant_update(
            tenant=tenant,
            changes={"experiment": {"holdout_percent": experiment}},
            by="test",
            at=Tenant.objects.get(pk=tenant.pk).created_at.replace(year=2026, month=2, day=1),
        )
    return tenant


def _simulate_and_compare(slug="sim", seed=7, experiment=50) -> tuple[str, str]:
    tenant = _tenant(slug, experiment)
    out = io.StringIO()
    call_command(
        "simulate",
        tenant.slug,
        "--customers",
        "12",
        "--days",
        "5",
        "--seed",
        str(seed),
        "--start",
        START,
        stdout=out,
        stderr=io.StringIO(),
    )
    report = io.StringIO()
    call_command("compare", tenant.slug, "--start", START, "--end", END, "--format", "json", stdout=report)
    return out.getvalue(), report.getvalue()


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_same_seed_gives_byte_identical_output_and_report():
    first_out, first_report = _simulate_and_compare()
    call_command("flush", interactive=False, verbosity=0)
    second_out, second_report = _simulate_and_compare()
    assert first_out == second_out
    assert first_report == second_report
    call_command("flush", interactive=False, verbosity=0)
    _, other_report = _simulate_and_compare(seed=8)
    assert other_report != first_report


@pytest.mark.django_db
def test_a_simulation_drives_the_real_services_and_states_its_assumptions():
    out, report_text = _simulate_and_compare(experiment=50)
    tenant = Tenant.objects.get(slug="sim")
    report = json.loads(report_text)
    run = SimulationRun.objects.get(tenant=tenant)
    assert report["assumptions"] == run.assumptions and len(run.assumptions) >= 10
    assert all(line in out for line in run.assumptions)
    inbound = Message.objects.filter(tenant=tenant, direction="inbound")
    assert (
        inbound.exists()
        and Message.objects.filter(tenant=tenant, direction="outbound", author__contains="agent").exists()
    )
    assert set(Ticket.objects.filter(tenant=tenant).values_list("mode", flat=True)) <= {"multichannel", "omnichannel"}
    assert report["replay"]["omnichannel"]["episodes"] == report["replay"]["multichannel"]["episodes"] > 0
    assert report["replay"]["omnichannel"]["threads"] <= report["replay"]["multichannel"]["threads"]
    assert set(report["experiment"]["cohorts"]) == {"holdout", "treatment"}
    assert all(m.occurred_at.year == 2026 and m.occurred_at.month == 3 for m in inbound)
    assert Event.objects.filter(tenant=tenant, name__in=["cart.abandoned", "product.viewed", "csat.rating"]).exists()


@pytest.mark.django_db
def test_simulate_command_errors():
    with pytest.raises(CommandError, match="No tenant"):
        call_command("simulate", "missing", "--customers", "1", "--days", "1")
    _tenant("sim2")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("simulate", "sim2", "--customers", "0", "--days", "1")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("simulate", "sim2", "--customers", "1", "--days", "1", "--start", "monday")


def test_progress_bar_writes_only_on_a_terminal():
    from crm.management.progress import ProgressBar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    plain, tty = io.StringIO(), Tty()
    ProgressBar(plain)(3, 10)
    ProgressBar(tty)(10, 10)
    assert plain.getvalue() == ""
    assert "day 10/10" in tty.getvalue()
