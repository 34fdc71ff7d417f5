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
