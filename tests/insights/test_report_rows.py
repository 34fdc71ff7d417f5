"""The comparison report shaped into rows: every figure keeps its sample size and interval."""

from __future__ import annotations

from django.utils import translation

from insights.views.report import experiment_rows, observed_rows, replay_rows

REPORT = {
    "replay": {
        "multichannel": {"threads": 2, "context_loss_rate": 0.5},
        "crosschannel": {"threads": 2, "context_loss_rate": 0.0},
        "omnichannel": {"threads": 1, "context_loss_rate": None},
    },
    "observed": {
        "omnichannel": {
            "first_response_seconds": {"n": 3, "median": 7200, "median_ci": [3600, 10800], "p90": 90, "p90_ci": None},
            "opt_out_rate": {"n": 40, "count": 2, "rate": 0.05, "ci": [0.014, 0.165]},
        }
    },
    "experiment": {
        "holdout_percent": 20,
        "cohorts": {
            "holdout": {"mode": "multichannel", "tickets_per_episode": {"n": 4, "mean": 2.0, "ci": [1.5, 2.5]}},
            "treatment": {"mode": "omnichannel", "tickets_per_episode": {"n": 9, "mean": 1.0, "ci": [1.0, 1.0]}},
        },
        "difference": {"tickets_per_episode": {"value": -1.0, "ci": [-1.5, -0.5]}},
    },
}


def test_replay_rows_put_the_three_policies_side_by_side():
    with translation.override("en"):
        rows = {r.key: r for r in replay_rows(REPORT)}
        assert [c.display for c in rows["threads"].cells] == ["2", "2", "1"]
        assert [c.display for c in rows["context_loss_rate"].cells] == ["50.0 %", "0.0 %", "–"]
        assert rows["context_loss_rate"].cells[2].missing


def test_observed_durations_have_median_and_p90_rows_with_intervals():
    with translation.override("en"):
        table = observed_rows(REPORT)
        rows = {r.key: r.cells[0] for r in table.rows}
        assert table.columns == ["Omnichannel"]
        median = rows["first_response_seconds_median"]
        assert (median.display, median.interval, median.n) == ("2 h", "[1 h ; 3 h]", 3)
        assert (rows["first_response_seconds_p90"].display, rows["first_response_seconds_p90"].interval) == (
            "1 min 30 s",
            None,
        )
        assert (rows["opt_out_rate"].display, rows["opt_out_rate"].interval) == ("5.0 %", "[1.4 % ; 16.5 %]")


def test_experiment_rows_show_both_cohorts_and_the_difference():
    with translation.override("fr"):
        table = experiment_rows(REPORT)
        assert table.columns == ["Groupe témoin (Multicanal)", "Groupe traité (Omnicanal)", "Écart (traité - témoin)"]
        (row,) = table.rows
        assert [c.display for c in row.cells] == ["2,00", "1,00", "−1,00"]
        assert row.cells[2].interval == "[−1,50 ; −0,50]"
    assert experiment_rows({"replay": {}}) is None
