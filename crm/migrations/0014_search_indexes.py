"""Search indexes, on PostgreSQL only (``crm.selectors.search``): full text of message texts and
subjects and of ticket subjects in the french and english configurations, trigrams of contact
names and identity addresses. Each starts with the tenant (``btree_gin``). SQLite searches by
substring and gets none of them."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """``RunSQL`` that does nothing on another database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fts(name, table, document, config):
    return PostgresOnlySQL(
        f"CREATE INDEX {name} ON {table} USING gin (tenant_id, to_tsvector('{config}'::regconfig, {document}))",
        f"DROP INDEX {name}",
    )


def trigram(name, table, column):
    return PostgresOnlySQL(
        f"CREATE INDEX {name} ON {table} USING gin (tenant_id, {column} gin_trgm_ops)", f"DROP INDEX {name}"
    )


MESSAGE = "(\"subject\" || ' ' || \"text\")"


class Migration(migrations.Migration):
    dependencies = [("crm", "0013_teams_sla")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS btree_gin", migrations.RunSQL.noop),
        fts("message_search_french", "crm_message", MESSAGE, "french"),
        fts("message_search_english", "crm_message", MESSAGE, "english"),
        fts("ticket_search_french", "crm_ticket", '"subject"', "french"),
        fts("ticket_search_english", "crm_ticket", '"subject"', "english"),
        trigram("contact_name_trigram", "crm_contact", '"name"'),
        trigram("identity_address_trigram", "crm_identity", '"address"'),
    ]
