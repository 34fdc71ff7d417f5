"""The verdict in plain words, derived from the intervals: excluding zero = clear difference."""

from __future__ import annotations

from django.utils import translation

from insights.reports.verdict import CLEAR, UNCLEAR, UNKNOWN, classify, findings, headline

REPORT = {
    "experiment": {
        "cohorts": {"holdout": {"mode": "multichannel"}, "treatment": {"mode": "omnichannel"}},
        "difference": {
            "customer_messages_per_episode": {"value": -1.49, "ci": [-2.44, -0.52]},
            "csat": {"value": 0.49, "ci": [-0.13, 1.18]},
            "first_response_seconds_median": {"value": None, "ci": None},
            "sla_attainment": {"value": 0.1, "ci": [0.02, 0.2]},  # a figure added later: generic words
        },
    }
}


def test_an_interval_excluding_zero_is_a_clear_difference():
    assert classify([-2.4, -0.5]) == CLEAR and classify([0.1, 0.3]) == CLEAR
    assert classify([-0.1, 1.2]) == UNCLEAR and classify([0.0, 1.0]) == UNCLEAR
    assert classify(None) == UNKNOWN


def test_the_headline_names_clear_and_unclear_differences():
    with translation.override("en"):
        items = findings(REPORT)
        assert [f.status for f in items] == [CLEAR, UNCLEAR, UNKNOWN, CLEAR]
        assert items[0].text == "under omnichannel customers wrote 1.49 fewer messages per need, a clear difference"
        assert headline(items) == (
            "Under omnichannel customers wrote 1.49 fewer messages per need, a clear difference; "
            "SLA attainment changed by +0.10, a clear difference; "
            "Satisfaction (CSAT, 1-5): no clear difference yet."
        )


def test_the_verdict_in_french():
    with translation.override("fr"):
        text = headline(findings(REPORT))
        assert text.startswith("En omnicanal, les clients ont écrit 1,49 messages de moins par besoin")
        assert "pas encore de différence nette" in text


def test_no_experiment_no_verdict():
    assert findings({"replay": {}}) == [] and headline([]) is None
