"""Channel credentials are encrypted at rest (CREDENTIALS_KEYS, Fernet), never in clear in the
column, the API, the admin or a repr; keys rotate; the migration encrypts the rows stored before."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from crm.models import Channel
from tests.factories import ChannelFactory

SECRET = "tok-5ecret-value-9f1"
CREDENTIALS = {"account_sid": "AC0123", "auth_token": SECRET}


def stored(channel_id: int) -> str:
    """The column as the database holds it."""
    meta = Channel._meta
    with connection.cursor() as cursor:
        column = meta.get_field("credentials").column
        cursor.execute(f'SELECT "{column}" FROM "{meta.db_table}" WHERE id = %s', [channel_id])
        return cursor.fetchone()[0]


def decrypted(token: str, key: str) -> dict:
    return json.loads(Fernet(key).decrypt(token.encode()))


@pytest.mark.django_db
def test_the_column_holds_a_token_of_the_first_key_never_the_secret(tenant, settings):
    channel = ChannelFactory(tenant=tenant, kind="sms", provider="twilio", credentials=CREDENTIALS)
    raw = stored(channel.pk)
    assert SECRET not in raw and "auth_token" not in raw
    assert decrypted(raw, settings.CREDENTIALS_KEYS[0]) == CREDENTIALS
    assert Channel.objects.get(pk=channel.pk).credentials == CREDENTIALS
    assert SECRET not in repr(channel)


@pytest.mark.django_db
def test_the_api_takes_credentials_and_never_returns_them(admin_api):
    body = {"kind": "sms", "name": "SMS", "provider": "twilio", "credentials": CREDENTIALS}
    created = admin_api.post("/api/v1/channels/", body, format="json")
    assert created.status_code == 201, created.content
    channel_id = created.json()["id"]
    for response in (created, admin_api.get("/api/v1/channels/"), admin_api.get(f"/api/v1/channels/{channel_id}/")):
        assert SECRET not in response.content.decode()
    assert created.json()["credentials_set"] == ["account_sid", "auth_token"]
    assert SECRET not in stored(channel_id)


@pytest.mark.django_db
def test_the_admin_change_page_never_shows_them_and_stores_new_ones_encrypted(client, django_user_model, tenant):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    channel = ChannelFactory(tenant=tenant, kind="sms", provider="twilio", credentials=CREDENTIALS)
    url = reverse("admin:crm_channel_change", args=[channel.pk])
    page = client.get(url).content.decode()
    assert "auth_token" in page and SECRET not in page  # the names, never the values
    form = {"tenant": tenant.pk, "kind": "sms", "name": "SMS", "provider": "twilio", "address": "", "enabled": "on"}
    response = client.post(url, {**form, "new_credentials": json.dumps({"auth_token": "rotated-by-admin-77"})})
    assert response.status_code == 302
    assert "rotated-by-admin-77" not in stored(channel.pk)
    assert Channel.objects.get(pk=channel.pk).credentials == {"auth_token": "rotated-by-admin-77"}


@pytest.mark.django_db
def test_a_key_rotates_without_losing_a_channel(tenant, settings):
    old, new = settings.CREDENTIALS_KEYS[0], Fernet.generate_key().decode()
    channels = [ChannelFactory(tenant=tenant, credentials={"n": str(n), "auth_token": SECRET}) for n in range(3)]
    settings.CREDENTIALS_KEYS = [new, old]  # the new key first: it encrypts, both decrypt
    assert [Channel.objects.get(pk=c.pk).credentials["n"] for c in channels] == ["0", "1", "2"]
    out = io.StringIO()
    call_command("rotate_credentials_key", stdout=out)
    assert "Re-encrypted the credentials of 3 channel(s)" in out.getvalue()
    for c in channels:
        assert decrypted(stored(c.pk), new)["n"] in {"0", "1", "2"}
        with pytest.raises(InvalidToken):
            Fernet(old).decrypt(stored(c.pk).encode())
    settings.CREDENTIALS_KEYS = [new]  # the old key dropped
    assert [Channel.objects.get(pk=c.pk).credentials["n"] for c in channels] == ["0", "1", "2"]


@pytest.mark.django_db
def test_without_the_key_a_read_fails_clearly(tenant, settings):
    channel = ChannelFactory(tenant=tenant, credentials=CREDENTIALS)
    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEYS"):
        Channel.objects.get(pk=channel.pk)


BEFORE, AFTER = ("crm", "0005_channel_provider_registry"), ("crm", "0006_channel_credentials_encrypted")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_rows_stored_in_clear_and_back(settings):
    try:
        old_apps = migrate(BEFORE)
        # the tenant as the schema then was: today's model may have columns added since
        tenant = old_apps.get_model("crm", "Tenant").objects.create(slug="migrating", name="Migrating")
        OldChannel = old_apps.get_model("crm", "Channel")
        pk = OldChannel.objects.create(tenant_id=tenant.pk, kind="sms", name="SMS", credentials=CREDENTIALS).pk
        assert SECRET in stored(pk)  # in clear before

        migrate(AFTER)
        assert SECRET not in stored(pk)
        assert decrypted(stored(pk), settings.CREDENTIALS_KEYS[0]) == CREDENTIALS
        assert Channel.objects.only("credentials").get(pk=pk).credentials == CREDENTIALS  # columns of then

        migrate(BEFORE)
        assert json.loads(stored(pk)) == CREDENTIALS
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
