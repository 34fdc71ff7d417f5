"""A real browser on the comparison page: the charts are drawn, the verdict is shown, and the
CSV downloads (Debian's /usr/bin/chromium through Playwright)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.services.messages import InboundMessage, message_ingest
from crm.services.tenants import tenant_update
from tests.dashboards.test_browser import browser_page, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: how many pixels of a canvas are not transparent (drawn bars, axes, labels)
DRAWN = """(id) => {
  const c = document.getElementById(id);
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}"""


def _month_with_an_experiment(tenant, channels):
    now = timezone.now()
    tenant_update(
        tenant=tenant, changes={"experiment": {"holdout_percent": 50}}, by="test", at=now - timedelta(days=40)
    )
    for i in range(12):
        for k, channel in enumerate((channels["email"], channels["sms"])):
            sender = f"c{i}@example.com" if channel.kind == "email" else f"+336120000{i:02d}"
            inbound = InboundMessage(
                channel=channel, from_address=sender, text="hello", occurred_at=now - timedelta(days=2 + i, hours=k)
            )
            message_ingest(tenant=tenant, inbound=inbound)


def test_the_comparison_draws_its_charts_shows_the_verdict_and_downloads_the_csv(
    live_server, tenant, channels, make_staff, tmp_path
):
    _month_with_an_experiment(tenant, channels)
    manager = make_staff(tenant, "manager", "manager")
    with browser_page() as page:
        log_in(page, f"{live_server.url}/dashboard/", manager.username)
        page.goto(f"{live_server.url}/dashboard/comparison/")
        page.wait_for_selector("#charts canvas")
        ids = page.eval_on_selector_all("#charts canvas", "cs => cs.map(c => c.id)")
        assert {
            "replay-threads",
            "mode-customer_messages_per_episode",
            "week-observed-customer_messages_per_episode",
            "week-replay-context_losses",
        } <= set(ids)
        page.wait_for_function(f"({DRAWN})('replay-threads') > 500")
        assert page.evaluate(DRAWN, "mode-customer_messages_per_episode") > 500
        assert page.evaluate(DRAWN, "week-observed-customer_messages_per_episode") > 500
        assert page.evaluate(DRAWN, "week-replay-context_losses") > 500
        verdict = page.locator("#verdict").inner_text()
        assert "difference" in verdict
        assert "Experiment: 50% multichannel holdout" in page.locator("#experiment-badge").inner_text()
        with page.expect_download() as download:
            page.click("#csv")
        path = tmp_path / "report.csv"
        download.value.save_as(path)
        page.click("#refresh")  # eager: recomputed at once, then the page reloads
        page.wait_for_selector("#report-age")
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert {("replay", "omnichannel", "threads")} <= {(r["section"], r["mode"], r["metric"]) for r in rows}
