"""Channel credentials encrypted at rest: the column becomes text holding a Fernet token; the
rows stored in clear JSON are encrypted with the first key of CREDENTIALS_KEYS (and decrypted
back to JSON when migrating backwards)."""

import json

from django.db import migrations

import crm.fields


def _rewrite(apps, schema_editor, convert):
    meta = apps.get_model("crm", "Channel")._meta
    table, column = meta.db_table, meta.get_field("credentials").column
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)}")
        rows = [(convert(value), pk) for pk, value in cursor.fetchall() if value is not None]
        cursor.executemany(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", rows)


def encrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda text: crm.fields.encrypt_json(json.loads(text)))


def decrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda token: json.dumps(crm.fields.decrypt_json(token)))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0005_channel_provider_registry"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channel",
            name="credentials",
            field=crm.fields.EncryptedJSONField(blank=True, default=dict, verbose_name="credentials"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
