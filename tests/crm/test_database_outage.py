"""While the database cannot be reached: a JSON 503 with Retry-After on the API and webhooks
(providers retry), a plain translated 503 page on the dashboards; never a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def unreachable(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def test_api_answers_json_503_with_retry_after(api, settings):
    settings.DATABASE_OUTAGE_RETRY_AFTER = 7
    with connection.execute_wrapper(unreachable):
        answer = api.get("/api/v1/tickets/")
    assert answer.status_code == 503
    assert answer["Content-Type"] == "application/json" and answer["Retry-After"] == "7"
    assert "database" in answer.json()["detail"]


def test_webhook_answers_json_503_so_the_provider_retries(client, tenant):
    channel = ChannelFactory(tenant=tenant, kind="webchat", provider="webhook", credentials={"secret": "s"})
    with connection.execute_wrapper(unreachable):
        answer = client.post(f"/webhooks/{channel.webhook_token}/", b"{}", content_type="application/json")
    assert answer.status_code == 503 and answer["Retry-After"]
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Temporarily unavailable"), ("fr", "Temporairement indisponible")]
)
def test_dashboard_answers_a_plain_503_page_in_the_users_language(client, django_user_model, language, text):
    user = django_user_model.objects.create_user("agent", password="x", is_staff=True)
    client.force_login(user)
    with connection.execute_wrapper(unreachable):
        answer = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 503 and answer["Retry-After"]
    assert text in answer.content.decode()


def test_health_checks_are_on_so_the_first_request_after_a_restart_reconnects(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
