from io import StringIO

from django.core.management import call_command


def test_openapi_schema_is_valid_and_generates_without_warnings(db):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in ("/api/v1/messages/inbound/", "/api/v1/tickets/{id}/reply/", "/api/v1/tenant/mode-history/"):
        assert path in schema
