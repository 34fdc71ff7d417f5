"""The report: API shape, errors, and the compare command's formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from .logs import T0, at, contact, inbound

pytestmark = pytest.mark.django_db
QUERY = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
MODES = {"multichannel", "crosschannel", "omnichannel"}


def _log(tenant, channels):
    c = contact(tenant)
    inbound(tenant, c, channels["email"], at(0))
    inbound(tenant, c, channels["sms"], at(1))


def test_comparison_api_returns_the_report_of_metrics_md(tenant, channels, api):
    _log(tenant, channels)
    response = api.get("/api/v1/comparison/", QUERY)
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:7] == ["tenant", "start", "end", "episode_gap_hours", "profile", "replay", "observed"]
    assert (body["tenant"], body["start"], body["end"]) == (tenant.slug, QUERY["start"], QUERY["end"])
    assert body["episode_gap_hours"] == 72
    assert set(body["profile"]) == {"contacts", "multi_identity_share", "consent_conflicts"}
    assert set(body["replay"]) == MODES
    assert body["replay"]["multichannel"]["threads"] == 2 and body["replay"]["omnichannel"]["threads"] == 1
    assert "omnichannel" in body["observed"]
    assert "assumptions" not in body  # real data: no simulator assumptions


@pytest.mark.parametrize(
    "query", [{"start": "yesterday"}, {"start": "2026-04-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}]
)
def test_comparison_api_rejects_bad_periods(api, query):
    response = api.get("/api/v1/comparison/", query)
    assert response.status_code == 400
    assert "start" in response.json().get("errors", response.json()) or "start" in json.dumps(response.json())


def test_comparison_api_needs_a_key_and_sees_only_its_tenant(tenant, channels, make_api):
    from tests.factories import TenantFactory

    assert APIClient().get("/api/v1/comparison/").status_code == 401
    _log(tenant, channels)
    other = make_api(TenantFactory(), "agent").get("/api/v1/comparison/", QUERY).json()
    assert other["replay"]["multichannel"]["episodes"] == 0


def _compare(tenant, fmt):
    out = io.StringIO()
    call_command("compare", tenant.slug, "--start", QUERY["start"], "--end", QUERY["end"], "--format", fmt, stdout=out)
    return out.getvalue()


def test_compare_command_formats(tenant, channels, api):
    _log(tenant, channels)
    as_json = json.loads(_compare(tenant, "json"))
    assert as_json == api.get("/api/v1/comparison/", QUERY).json()
    table_csv = _compare(tenant, "csv")
    assert table_csv == api.get("/api/v1/comparison/", {**QUERY, "format": "csv"}).content.decode()
    rows = list(csv.DictReader(io.StringIO(table_csv)))
    by_key = {(r["section"], r["mode"], r["metric"], r["statistic"]): r for r in rows}
    assert by_key[("replay", "multichannel", "context_losses", "value")]["value"] == "1"
    assert by_key[("replay", "omnichannel", "context_losses", "value")]["value"] == "0"
    assert by_key[("replay", "multichannel", "context_loss_rate", "value")]["unit"] == "share"
    table = _compare(tenant, "table")
    assert "REPLAY" in table and "Context losses" in table and "Omnichannel" in table


def test_compare_command_errors(tenant):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("compare", "missing")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("compare", tenant.slug, "--start", "last week")
    with pytest.raises(CommandError, match="before"):
        call_command("compare", tenant.slug, "--start", "2026-04-01T00:00:00Z", "--end", "2026-03-01T00:00:00Z")


def test_default_period_is_the_last_30_days(tenant, channels, api):
    from django.utils import timezone

    c = contact(tenant)
    inbound(tenant, c, channels["email"], timezone.now() - timedelta(days=2))
    inbound(tenant, c, channels["email"], timezone.now() - timedelta(days=40))
    assert api.get("/api/v1/comparison/").json()["replay"]["omnichannel"]["episodes"] == 1
    assert T0  # hand-written logs live in March 2026


def test_the_report_costs_the_same_queries_whatever_the_history(tenant, channels, django_assert_max_num_queries):
    from insights.metrics.comparison import comparison_report

    from .logs import outbound

    def grow(n):
        for i in range(n):
            c = contact(tenant)
            inbound(tenant, c, channels["email"], at(i))
            inbound(tenant, c, channels["sms"], at(i + 1))
            outbound(tenant, c, channels["sms"], at(i + 2))

    grow(5)
    with django_assert_max_num_queries(23):  # + sales (4), the imported share (1), agent changes and SLA attainment (2)
        comparison_report(tenant=tenant, start=at(-10), end=at(1000))
    grow(200)
    with django_assert_max_num_queries(23):  # + sales (4), the imported share (1), agent changes and SLA attainment (2)
        comparison_report(tenant=tenant, start=at(-10), end=at(1000))
