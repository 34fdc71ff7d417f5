"""The planning panel on the comparison page, and its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from crm.models import Membership
from tests.insights.metrics.logs import contact, inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, tenant):
    user = get_user_model().objects.create_user(username="manager", password="x" * 20, is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="manager")
    client.force_login(user)
    return client


def test_the_comparison_page_offers_to_plan_an_experiment(staff_client, tenant, channels):
    with translation.override("en"):
        page = staff_client.get("/dashboard/comparison/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="plan-form"' in page and 'action="/dashboard/comparison/plan/"' in page


def test_the_plan_page_answers_with_the_sample_needed(staff_client, tenant, channels):
    now = timezone.now()
    for i in range(20):
        c = contact(tenant)
        for k in range(1 + i % 3):
            inbound(tenant, c, channels["email"], now - timedelta(days=3, minutes=-k))
    page = staff_client.get(
        "/dashboard/comparison/plan/", {"metric": "customer_messages_per_episode", "mde": "0.5"}
    ).content.decode()
    assert 'id="plan"' in page
    bad = staff_client.get("/dashboard/comparison/plan/", {"metric": "purchase_rate", "mde": "3"})
    assert bad.status_code == 200 and 'id="plan"' not in bad.content.decode()


def test_the_panel_says_what_comes_from_imported_data_and_warns_of_a_confounded_switch(
    staff_client, tenant, channels, tmp_path
):
    from crm.models import ModeChange
    from crm.services.tenants import tenant_update
    from imports.service import import_prepare, import_run
    from tests.imports.test_import_csv import csv_file

    path = tmp_path / "h.csv"
    path.write_text(csv_file())
    import_run(history_import=import_prepare(tenant=tenant, path=str(path), fmt="csv"), path=str(path))
    from datetime import UTC, datetime

    ModeChange.objects.create(
        tenant=tenant, mode="omnichannel", changed_at=datetime(2026, 1, 1, tzinfo=UTC), changed_by="t"
    )
    tenant_update(tenant=tenant, changes={"mode": "multichannel"}, by="test", at=datetime(2026, 3, 5, tzinfo=UTC))
    with translation.override("fr"):
        page = staff_client.get(
            "/dashboard/comparison/", {"start": "2026-03-01", "end": "2026-03-30"}, HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    assert 'id="imported-notice"' in page and 'id="confounded"' in page
