from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import ApiKey, ModeChange, Tenant


def test_create_tenant_and_duplicate(db):
    out = StringIO()
    call_command("create_tenant", "acme", "--name", "ACME", "--mode", "omnichannel", stdout=out)
    tenant = Tenant.objects.get(slug="acme")
    assert tenant.mode == "omnichannel" and "acme" in out.getvalue()
    assert ModeChange.objects.filter(tenant=tenant).count() == 1
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_tenant", "acme", "--name", "Other")
    assert Tenant.objects.count() == 1


def test_create_tenant_default_mode_is_multichannel(db):
    call_command("create_tenant", "shop", "--name", "Shop", stdout=StringIO())
    assert Tenant.objects.get(slug="shop").mode == "multichannel"


def test_create_api_key_prints_key_last_and_stores_only_its_hash(db, client):
    call_command("create_tenant", "acme", "--name", "ACME", stdout=StringIO())
    out = StringIO()
    call_command("create_api_key", "acme", "--role", "manager", "--label", "ci", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    key = ApiKey.objects.get()
    assert key.role == "manager" and key.label == "ci"
    assert raw not in (key.key_hash, key.prefix) and key.key_hash == ApiKey.hash(raw)
    resp = client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert resp.status_code == 200 and resp.json()["slug"] == "acme"


def test_create_api_key_unknown_tenant(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("create_api_key", "nope")


@pytest.mark.parametrize(
    "value,tz,expected",
    [
        ("2026-10-01T08:00:00Z", "Europe/Paris", "2026-10-01T08:00:00+00:00"),
        ("2026-10-01T10:00:00", "Europe/Paris", "2026-10-01T08:00:00+00:00"),
        ("2026-10-01", "Europe/Paris", "2026-09-30T22:00:00+00:00"),
        ("2026-10-01", "UTC", "2026-10-01T00:00:00+00:00"),
    ],
)
def test_command_instants_accept_dates_and_local_times(value, tz, expected):
    from datetime import UTC

    from crm.management.instants import parse_instant

    assert parse_instant(value, "start", tz).astimezone(UTC).isoformat() == expected


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-10-01T25:00"])
def test_command_instants_refuse_nonsense(value):
    from crm.management.instants import parse_instant

    with pytest.raises(CommandError, match="--start must be an ISO 8601"):
        parse_instant(value, "start")
