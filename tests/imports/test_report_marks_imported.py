"""The comparison says which figures come from imported data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from insights.metrics.comparison import comparison_report

from .test_import_csv import csv_file

pytestmark = pytest.mark.django_db


def test_the_report_of_an_imported_period_says_so(tenant, channels, write, run_import, manager_api):
    imp = run_import(tenant, write("h.csv", csv_file()))
    report = comparison_report(
        tenant=tenant, start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 4, 1, tzinfo=UTC)
    )
    block = report["imported"]
    assert (block["messages"], block["events"]) == (5, 1)
    assert block["figures"] == ["profile", "replay", "observed"]
    assert [i["id"] for i in block["imports"]] == [imp.pk]
    assert report["replay"]["omnichannel"]["episodes"] == 3
    assert report["observed"]["omnichannel"]["purchase_rate"]["count"] == 1
    api = manager_api.get("/api/v1/comparison/", {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"})
    assert api.json()["imported"]["messages"] == 5
    later = comparison_report(
        tenant=tenant, start=datetime(2026, 5, 1, tzinfo=UTC), end=datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert "imported" not in later
