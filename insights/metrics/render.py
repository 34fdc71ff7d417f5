"""The comparison report as a readable terminal table (``manage.py compare``, ``demo``): names
and human units (hours and minutes, percent, percentage points), the verdict; the CSV is the
page's and the API's table (``insights.reports.table``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from insights.reports.catalog import mode_label
from insights.reports.rows import experiment_rows, observed_repeats_experiment, observed_rows, profile_rows, replay_rows
from insights.reports.table import as_csv
from insights.reports.verdict import findings, headline

__all__ = ["as_csv", "as_table"]
LEVEL = {"level": "95%"}


def _cell(cell) -> str:
    if cell.missing:
        return "–"
    text = cell.display + (f" {cell.interval}" if cell.interval else "")
    return text + (f" n={cell.n}" if cell.n is not None else "")


def _table(title: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    widths = [max(len(title), *(len(r[0]) for r in rows))] + [
        max(len(c), *(len(r[1][i]) for r in rows)) for i, c in enumerate(columns)
    ]
    out = [
        title.ljust(widths[0]) + "  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths[1:], strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    out += [
        r[0].ljust(widths[0]) + "  " + "  ".join(v.rjust(w) for v, w in zip(r[1], widths[1:], strict=True))
        for r in rows
    ]
    return out


def _rows(table) -> list[tuple[str, list[str]]]:
    return [(row.label, [_cell(c) for c in row.cells]) for row in table]


def as_table(report: dict) -> str:
    profile = ", ".join(f"{row.label}: {_cell(row.cells[0])}" for row in profile_rows(report))
    out = [
        _("Comparison for %(tenant)s: %(start)s to %(end)s (end excluded; episode gap %(gap)s h)")
        % {
            "tenant": report["tenant"],
            "start": report["start"],
            "end": report["end"],
            "gap": report["episode_gap_hours"],
        },
        profile,
        "",
    ]
    replay = replay_rows(report)
    if replay:
        out += _table(_("REPLAY (same log, each policy)"), [mode_label(m) for m in report["replay"]], _rows(replay))
    experiment = experiment_rows(report)
    if experiment is not None:
        out += ["", *_table(_("EXPERIMENT (%(level)s intervals)") % LEVEL, experiment.columns, _rows(experiment.rows))]
        out += [_("  – in the difference column: no interval (the difference is estimated for medians, not p90s)")]
    observed = observed_rows(report)
    if observed.rows and not (experiment is not None and observed_repeats_experiment(report)):
        out += [
            "",
            *_table(
                _("OBSERVED (by effective mode, %(level)s intervals)") % LEVEL, observed.columns, _rows(observed.rows)
            ),
        ]
    verdict = headline(findings(report))
    if verdict:
        out += ["", _("VERDICT"), f"  {verdict}"]
    if report.get("assumptions"):
        out += [_("  Simulated data: these outcomes reflect the simulator's stated assumptions below.")]
        out += ["", _("ASSUMPTIONS (simulated data)")] + [f"  - {a}" for a in report["assumptions"]]
    return "\n".join(out) + "\n"
