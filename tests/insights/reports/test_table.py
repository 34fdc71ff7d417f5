"""The CSV table: one row per figure, statistic and mode, new figures included automatically."""

from __future__ import annotations

import csv
import io

from insights.reports.table import COLUMNS, as_csv

REPORT = {
    "tenant": "t",
    "profile": {"contacts": 3, "multi_identity_share": 0.5},
    "replay": {"multichannel": {"threads": 2}, "omnichannel": {"threads": 1}},
    "observed": {
        "omnichannel": {
            "first_response_seconds": {
                "n": 3,
                "median": 7200,
                "median_ci": [3600, 10800],
                "p90": 9000,
                "p90_ci": None,
                "unanswered": 1,
            },
            "journey_conversion_rate": {
                "n": 10,
                "count": 2,
                "rate": 0.2,
                "ci": [0.05, 0.5],
                "journeys": {"Welcome": {"n": 10, "count": 2, "rate": 0.2, "ci": [0.05, 0.5]}},
            },
            "purchase_rate": {"n": 4, "count": 1, "rate": 0.25, "ci": [0.04, 0.7]},  # added by another change
        }
    },
    "experiment": {
        "holdout_percent": 50,
        "cohorts": {
            "holdout": {"mode": "multichannel", "csat": {"n": 2, "mean": 4.0, "ci": [3.0, 5.0]}},
            "treatment": {"mode": "omnichannel", "csat": {"n": 2, "mean": 4.5, "ci": [4.0, 5.0]}},
        },
        "difference": {
            "csat": {"value": 0.5, "ci": [-1.0, 2.0]},
            "first_response_seconds_median": {"value": -60, "ci": [-90, -30]},
        },
    },
}


def _rows():
    reader = csv.DictReader(io.StringIO(as_csv(REPORT)))
    assert reader.fieldnames == COLUMNS
    return {(r["section"], r["mode"], r["metric"], r["statistic"]): r for r in reader}


def test_one_row_per_metric_statistic_and_mode():
    rows = _rows()
    assert rows[("profile", "", "contacts", "value")]["value"] == "3"
    assert rows[("replay", "omnichannel", "threads", "value")]["value"] == "1"
    median = rows[("observed", "omnichannel", "first_response_seconds", "median")]
    assert (median["value"], median["ci_low"], median["ci_high"], median["n"], median["unit"]) == (
        "7200",
        "3600",
        "10800",
        "3",
        "seconds",
    )
    assert rows[("observed", "omnichannel", "first_response_seconds", "p90")]["ci_low"] == ""
    assert rows[("observed", "omnichannel", "first_response_seconds", "unanswered")]["unit"] == "count"
    assert rows[("observed", "omnichannel", "journey_conversion_rate.journeys.Welcome", "rate")]["value"] == "0.2"
    assert rows[("observed", "omnichannel", "purchase_rate", "rate")]["unit"] == "share"


def test_experiment_cohorts_and_difference_rows():
    rows = _rows()
    assert rows[("experiment.holdout", "multichannel", "csat", "mean")]["value"] == "4.0"
    diff = rows[("difference", "omnichannel-multichannel", "first_response_seconds", "median")]
    assert (diff["value"], diff["ci_low"], diff["ci_high"]) == ("-60", "-90", "-30")
