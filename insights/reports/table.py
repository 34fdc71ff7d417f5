"""The report as one table, one row per figure, statistic and mode: the CSV of the page, of
``GET /comparison/?format=csv`` and of ``compare --format csv`` (docs/metrics.md, "CSV").

Values are raw (seconds, shares from 0 to 1), the ``unit`` column says which.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from .figures import nested, statistics
from .units import unit_of

COLUMNS = ["section", "mode", "metric", "statistic", "value", "ci_low", "ci_high", "n", "unit"]


def _figure_rows(section: str, mode: str, metric: str, raw) -> Iterator[list]:
    unit = unit_of(metric.split(".", 1)[0])
    for stat in statistics(raw):
        stat_unit = unit if stat.estimated or stat.name == "value" else "count"
        yield [section, mode, metric, stat.name, stat.value, stat.low, stat.high, stat.n, stat_unit]
    for name, inner in nested(raw).items():
        yield from _figure_rows(section, mode, f"{metric}.{name}", inner)


def _block_rows(section: str, mode: str, block: dict) -> Iterator[list]:
    for metric, raw in block.items():
        if metric != "mode":
            yield from _figure_rows(section, mode, metric, raw)


def _difference_rows(difference: dict, mode: str) -> Iterator[list]:
    for key, raw in difference.items():
        metric, statistic = key, "mean"
        for stat in ("median", "p90"):
            if key.endswith(f"_{stat}"):
                metric, statistic = key.removesuffix(f"_{stat}"), stat
        if unit_of(metric) == "share":
            statistic = "rate"
        low, high = (raw.get("ci") or [None, None])[:2]
        yield ["difference", mode, metric, statistic, raw.get("value"), low, high, None, unit_of(metric)]


def table_rows(report: dict) -> Iterator[list]:
    """Profile (no mode), replay per policy, observed per effective mode, the experiment's
    cohorts (mode of the cohort) and the difference (mode ``treatment-holdout``)."""
    yield from _block_rows("profile", "", report.get("profile") or {})
    for mode, block in (report.get("replay") or {}).items():
        yield from _block_rows("replay", mode, block)
    for mode, block in (report.get("observed") or {}).items():
        yield from _block_rows("observed", mode, block or {})
    experiment = report.get("experiment") or {}
    cohorts = experiment.get("cohorts") or {}
    for name, block in cohorts.items():
        yield from _block_rows(f"experiment.{name}", block.get("mode", ""), block)
    if experiment.get("difference"):
        modes = [cohorts.get(n, {}).get("mode", n) for n in ("treatment", "holdout")]
        yield from _difference_rows(experiment["difference"], "-".join(modes))


def as_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(["" if v is None else v for v in row] for row in table_rows(report))
    return buffer.getvalue()
