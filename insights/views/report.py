"""The report's table rows for the dashboard (``insights.reports.rows``)."""

from insights.reports.rows import (
    POLICIES,
    Figure,
    ObservedTable,
    Row,
    experiment_rows,
    observed_repeats_experiment,
    observed_rows,
    profile_rows,
    replay_rows,
)

__all__ = [
    "POLICIES",
    "Figure",
    "ObservedTable",
    "Row",
    "experiment_rows",
    "observed_repeats_experiment",
    "observed_rows",
    "profile_rows",
    "replay_rows",
]
