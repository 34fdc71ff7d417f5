"""The framework floor endpoint: the same API key scheme, a validated body, one row written."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from crm.services.tenants import api_key_create
from tests.factories import TenantFactory

URL = "/bench/floor/"
BODY = {"channel": 1, "from": "+33 6 12 34 56 78", "text": "Where is my parcel?", "external_id": "m-1"}


@pytest.fixture
def floor_model():
    """The floor app installed (as bench.settings does) and its table created."""
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "bench.floor"], ROOT_URLCONF="bench.urls"):
        from bench.floor.models import FloorMessage

        with connection.schema_editor() as editor:
            editor.create_model(FloorMessage)
        try:
            yield FloorMessage
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(FloorMessage)


def _client(raw_key: str | None) -> APIClient:
    client = APIClient()
    if raw_key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    return client


@pytest.mark.django_db(transaction=True)
def test_floor_inserts_one_row_for_the_keys_tenant(floor_model):
    tenant = TenantFactory()
    _, raw = api_key_create(tenant=tenant, role="agent")

    response = _client(raw).post(URL, BODY, format="json")

    assert response.status_code == 201
    row = floor_model.objects.get()
    assert response.json() == {"id": row.pk}
    assert (row.tenant_id, row.from_address, row.external_id) == (tenant.pk, BODY["from"], "m-1")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("raw_key", [None, "ock_not-a-key"])
def test_floor_refuses_a_missing_or_unknown_key(floor_model, raw_key):
    response = _client(raw_key).post(URL, BODY, format="json")

    assert response.status_code == 401
    assert not floor_model.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [{"from": None}, {"channel": "sms"}, {"text": None}])
def test_floor_validates_the_body_and_writes_nothing_on_error(floor_model, change):
    _, raw = api_key_create(tenant=TenantFactory(), role="agent")
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}

    response = _client(raw).post(URL, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(change)
    assert not floor_model.objects.exists()


def test_production_urls_do_not_expose_the_floor():
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve(URL)
