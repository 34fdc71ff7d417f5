"""The stored report: computed once per period, shown with its age, stale on new data or a mode
change, refreshed on demand with a status to poll; the API answers from the same computation."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm.services.tenants import tenant_update
from insights.models import ComparisonReport, ReportStatus
from insights.reports.time import day_period, tenant_zone
from tests.dashboards.conftest import ingest

pytestmark = pytest.mark.django_db
PAGE = reverse("dashboard:comparison")


def _period(tenant):
    today = timezone.now().astimezone(tenant_zone(tenant)).date()
    first, stop = today - timedelta(days=29), today + timedelta(days=1)
    return {"start": first.isoformat(), "end": stop.isoformat()}, day_period(
        start=first, end=stop, zone=tenant_zone(tenant)
    )


def test_a_page_view_computes_the_period_once_then_reads_it(staff_client, conversation):
    query, (start, end) = _period(conversation.tenant)
    response = staff_client.get(PAGE, query)
    report = ComparisonReport.objects.get()
    assert (report.start, report.end, report.status) == (start, end, ReportStatus.READY)
    assert report.data["replay"]["multichannel"]["threads"] == 2 and report.series["weeks"]
    assert "Computed" in response.content.decode() and not response.context["state"].stale
    computed_at = report.computed_at
    staff_client.get(PAGE, query)
    assert ComparisonReport.objects.get().computed_at == computed_at  # read, not recomputed


def test_new_data_makes_it_stale_and_refresh_recomputes(staff_client, conversation, channels):
    tenant = conversation.tenant
    query, _ = _period(tenant)
    staff_client.get(PAGE, query)
    ingest(tenant, channels["webchat"], "visitor-7", "hello")
    response = staff_client.get(PAGE, query)
    assert response.context["state"].stale and response.context["state"].newer[:2] == ("message", "ticket")
    assert 'id="report-stale"' in response.content.decode()
    assert response.context["report"]["replay"]["omnichannel"]["episodes"] == 1  # the stored figures until refreshed
    status = staff_client.get(reverse("dashboard:comparison-status"), query).json()
    assert status["stale"] and status["status"] == "ready"
    answer = staff_client.post(reverse("dashboard:comparison-refresh"), query, HTTP_ACCEPT="application/json")
    assert answer.status_code == 202 and answer.json()["status"] == "ready"  # eager without a broker
    response = staff_client.get(PAGE, query)
    assert not response.context["state"].stale
    assert response.context["report"]["replay"]["omnichannel"]["episodes"] == 2


def test_a_mode_change_makes_it_stale(staff_client, conversation):
    query, _ = _period(conversation.tenant)
    staff_client.get(PAGE, query)
    tenant_update(tenant=conversation.tenant, changes={"mode": "multichannel"}, by="test")
    assert staff_client.get(PAGE, query).context["state"].stale


def test_refresh_without_javascript_redirects_to_the_page(staff_client, conversation):
    query, _ = _period(conversation.tenant)
    response = staff_client.post(reverse("dashboard:comparison-refresh"), query)
    assert response.status_code == 302 and response.url.startswith(PAGE)


def test_a_running_computation_is_not_started_twice(staff_client, conversation, django_capture_on_commit_callbacks):
    query, (start, end) = _period(conversation.tenant)
    ComparisonReport.objects.create(
        tenant=conversation.tenant,
        start=start,
        end=end,
        status=ReportStatus.RUNNING,
        progress=40,
        step="weeks",
        requested_at=timezone.now(),
    )
    response = staff_client.get(PAGE, query)
    assert response.context["state"].active and 'data-active="1"' in response.content.decode()
    status = staff_client.get(reverse("dashboard:comparison-status"), query).json()
    assert (status["status"], status["progress"], status["step"]) == ("running", 40, "week by week")
    staff_client.post(reverse("dashboard:comparison-refresh"), query)
    assert ComparisonReport.objects.get().status == ReportStatus.RUNNING


def test_page_and_api_show_the_same_report(staff_client, conversation, api):
    tenant = conversation.tenant
    query, (start, end) = _period(tenant)
    page = staff_client.get(PAGE, query).context["report"]
    iso = {"start": start.isoformat(), "end": end.isoformat()}
    assert api.get("/api/v1/comparison/", iso).json() == page
    page_csv = staff_client.get(PAGE, {**query, "format": "csv"})
    assert page_csv["Content-Type"].startswith("text/csv") and "attachment" in page_csv["Content-Disposition"]
    api_csv = api.get("/api/v1/comparison/", {**iso, "format": "csv"})
    assert api_csv.status_code == 200 and api_csv["Content-Type"].startswith("text/csv")
    assert page_csv.content == api_csv.content
    out = io.StringIO()
    call_command(
        "compare", tenant.slug, "--start", query["start"], "--end", query["end"], "--format", "csv", stdout=out
    )
    assert out.getvalue().encode() == api_csv.content
    assert ComparisonReport.objects.count() == 1  # one computation for the three


def test_the_api_recomputes_a_stale_report_and_the_page_sees_it(staff_client, conversation, channels, api):
    tenant = conversation.tenant
    query, (start, end) = _period(tenant)
    staff_client.get(PAGE, query)
    ingest(tenant, channels["webchat"], "visitor-8", "hello")
    body = api.get("/api/v1/comparison/", {"start": start.isoformat(), "end": end.isoformat()}).json()
    assert body["replay"]["omnichannel"]["episodes"] == 2
    page = staff_client.get(PAGE, query)
    assert page.context["report"] == body and not page.context["state"].stale


def test_api_csv_errors_stay_json(api):
    response = api.get("/api/v1/comparison/", {"start": "yesterday", "format": "csv"})
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    assert "start" in response.content.decode()


def test_the_web_to_and_the_command_end_mean_the_same(staff_client, conversation):
    """Both exclude their day: the page's To 2026-03-05 and compare --end 2026-03-05 stop at its midnight."""
    tenant = conversation.tenant
    staff_client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-05"})
    call_command("compare", tenant.slug, "--start", "2026-03-01", "--end", "2026-03-05", stdout=io.StringIO())
    zone = tenant_zone(tenant)
    assert ComparisonReport.objects.count() == 1
    report = ComparisonReport.objects.get()
    assert (report.start, report.end) == day_period(start=date(2026, 3, 1), end=date(2026, 3, 5), zone=zone)


def test_the_date_fields_show_the_applied_period(staff_client, conversation):
    body = staff_client.get(PAGE, {"start": "not a date"}).content.decode()
    today = timezone.now().astimezone(tenant_zone(conversation.tenant)).date()
    assert f'name="end" value="{today + timedelta(days=1)}"' in body
    assert f'name="start" value="{today - timedelta(days=29)}"' in body
    assert "excluded" in body
    body = staff_client.get(PAGE, {"start": "2026-03-01", "end": "2026-03-05"}).content.decode()
    assert 'name="start" value="2026-03-01"' in body and 'name="end" value="2026-03-05"' in body


def test_the_page_costs_the_same_queries_whatever_the_data(
    staff_client, tenant, channels, django_assert_max_num_queries
):
    query, _ = _period(tenant)

    def grow(n):
        for i in range(n):
            ingest(tenant, channels["email"], f"c{i}-{n}@example.com", "hello")

    for n in (5, 60):
        grow(n)
        staff_client.post(reverse("dashboard:comparison-refresh"), query)
        with django_assert_max_num_queries(9):
            assert staff_client.get(PAGE, query).status_code == 200
        with django_assert_max_num_queries(7):
            assert staff_client.get(reverse("dashboard:comparison-status"), query).status_code == 200


def test_the_badge_says_when_an_experiment_runs(staff_client, tenant, channels):
    assert "experiment-badge" not in staff_client.get(reverse("dashboard:inbox")).content.decode()
    tenant_update(tenant=tenant, changes={"experiment": {"holdout_percent": 50}}, by="test")
    body = staff_client.get(reverse("dashboard:inbox")).content.decode()
    assert "Experiment: 50% multichannel holdout" in body and 'id="experiment-badge"' in body


def test_experiment_over_the_whole_period_is_not_repeated(staff_client, tenant, channels):
    tenant_update(
        tenant=tenant,
        changes={"experiment": {"holdout_percent": 50}},
        by="test",
        at=timezone.now() - timedelta(days=40),
    )
    for i in range(6):
        ingest(tenant, channels["sms"], f"+3361111{i:04d}", "hello")
    query, _ = _period(tenant)
    response = staff_client.get(PAGE, query)
    body = response.content.decode()
    assert response.context["observed_repeats"]
    assert 'id="experiment"' in body and 'id="observed"' not in body and 'id="observed-note"' in body
    assert 'id="verdict"' in body and 'id="chart-data"' in body


def test_french_rendering_of_the_comparison(staff_client, conversation, channels):
    from crm.services.messages import ticket_reply

    ticket_reply(tenant=conversation.tenant, ticket=conversation, text="On its way", channel=channels["sms"])
    query, _ = _period(conversation.tenant)
    body = staff_client.get(PAGE, query, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rafraîchir" in body and "Télécharger le CSV" in body and "Verdict" in body
    assert "Computed" not in body and "Calculé il y a" in body


def test_csv_from_the_page_is_the_table(staff_client, conversation):
    query, _ = _period(conversation.tenant)
    response = staff_client.get(PAGE, {**query, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(r["section"], r["mode"]) for r in rows if r["metric"] == "threads"} == {
        ("replay", "multichannel"),
        ("replay", "crosschannel"),
        ("replay", "omnichannel"),
    }
