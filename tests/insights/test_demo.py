"""``manage.py demo``: tenant, staff login, channels, a simulated month, the comparison; twice."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm.models import Channel, Membership, ModeChange, Tenant
from insights.management.commands import demo
from simulator.models import SimulationRun


@pytest.mark.django_db
def test_demo_sets_everything_up_once_and_prints_the_comparison(monkeypatch, settings, tmp_path):
    settings.PUBLIC_BASE_URL, settings.STATIC_ROOT = "http://127.0.0.1:8123", tmp_path / "static"
    monkeypatch.setattr(demo, "CUSTOMERS", 6)
    monkeypatch.setattr(demo, "DAYS", 3)
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    tenant = Tenant.objects.get(slug="demo")
    user = get_user_model().objects.get(username="demo")
    assert user.is_staff and not user.is_superuser
    assert Membership.objects.get(tenant=tenant, user=user).role == "manager"
    password = text.split("password '")[1].split("'")[0]
    assert user.check_password(password)
    assert tenant.experiment_holdout_percent == 50
    history = list(ModeChange.objects.filter(tenant=tenant).order_by("changed_at").values_list("experiment", flat=True))
    assert history == [None, {"holdout_percent": 50, "started_at": history[1]["started_at"]}]
    assert set(Channel.objects.filter(tenant=tenant).values_list("kind", flat=True)) >= {"email", "sms", "store"}
    assert "REPLAY" in text and "http://127.0.0.1:8123/dashboard/" in text and "/admin/" in text
    assert "runserver 127.0.0.1:8123" in text  # the URL printed is the one served
    channel = Channel.objects.filter(tenant=tenant).order_by("pk").first()
    assert f"http://127.0.0.1:8123/webhooks/{channel.webhook_token}/" in text
    # human names and units, the verdict; the command in the tenant's zone (dates, end excluded)
    assert "first_response_seconds" not in text and "First response time" in text and " h " in text
    assert "VERDICT" in text or "no clear difference" in text.lower() or "EXPERIMENT" in text
    run = SimulationRun.objects.get(tenant=tenant)
    local = tenant.timezone
    from zoneinfo import ZoneInfo

    start, end = run.start.astimezone(ZoneInfo(local)), run.end.astimezone(ZoneInfo(local))
    assert (start.hour, start.minute) == (0, 0)
    assert f"compare demo --start {start.date()} --end {end.date()}" in text
    assert (settings.STATIC_ROOT / "vendor" / "chartjs" / "chart.umd.min.js").exists()
    again = io.StringIO()
    call_command("demo", stdout=again, stderr=io.StringIO())
    assert SimulationRun.objects.filter(tenant=tenant).count() == 1
    assert Tenant.objects.filter(slug="demo").count() == 1
    assert "simulated before" in again.getvalue() and "REPLAY" in again.getvalue()


def test_two_fresh_installs_print_the_same_comparison(tmp_path):
    """Same seed, same numbers: the experiment's cohorts do not depend on a random salt."""

    def install(name: str) -> str:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / name}"}
        env.pop("CELERY_BROKER_URL", None)
        done = subprocess.run(
            [sys.executable, "manage.py", "demo", "--customers", "8", "--days", "4"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        assert "No hostname was supplied" not in done.stderr  # kombu: eager tasks use an in-memory producer
        assert "No directory at" not in done.stderr  # staticfiles: collected by the demo
        return done.stdout.split("Open the product")[0]

    first, second = install("one.sqlite3"), install("two.sqlite3")
    assert "REPLAY" in first
    assert first == second
