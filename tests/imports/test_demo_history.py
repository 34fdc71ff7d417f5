"""``manage.py demo --history`` imports the shipped sample history and compares its month."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from crm.models import Tenant
from imports.models import HistoryImport
from insights.management.commands import demo


@pytest.mark.django_db
def test_demo_imports_the_sample_history_once(monkeypatch):
    monkeypatch.setattr(demo, "CUSTOMERS", 4)
    monkeypatch.setattr(demo, "DAYS", 2)
    out = io.StringIO()
    call_command("demo", "--history", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    imp = HistoryImport.objects.get(tenant=Tenant.objects.get(slug="demo"))
    assert imp.status == "completed" and imp.imported == imp.rows == 123 and imp.error_count == 0
    assert "Imported samples/history.csv: 123 rows, 123 imported" in text and "REPLAY" in text
    again = io.StringIO()
    call_command("demo", "--history", stdout=again, stderr=io.StringIO())
    assert "123 rows, 0 imported, 123 already there" in again.getvalue()
