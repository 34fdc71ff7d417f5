"""The comparison report as a readable table or as CSV rows (``manage.py compare``)."""

from __future__ import annotations

import csv
import io

REPLAY_ROWS = [
    ("episodes", "Episodes (customer needs)"),
    ("threads", "Threads (tickets opened)"),
    ("fragmentation", "Fragmentation (threads/episode)"),
    ("channel_switches", "Channel switches"),
    ("context_losses", "Context losses"),
    ("context_loss_rate", "Context loss rate"),
    ("repeat_contact_share", "Episodes with a repeat"),
    ("agent_changes_per_episode", "Agent changes/episode"),
    ("stale_channel_replies", "Replies on a stale channel"),
    ("post_goal_sends", "Sends after the goal"),
    ("capped_sends", "Sends past the cap"),
    ("offer_redemptions_refused", "Offers refused"),
]
OBSERVED_ROWS = [
    ("first_response_seconds", "median", "First response, median (s)"),
    ("first_response_seconds", "p90", "First response, p90 (s)"),
    ("resolution_seconds", "median", "Resolution, median (s)"),
    ("customer_messages_per_episode", "mean", "Customer messages/episode"),
    ("tickets_per_episode", "mean", "Tickets/episode"),
    ("agent_changes_per_episode", "mean", "Agent changes/episode"),
    ("sla_attainment", "rate", "SLA attainment"),
    ("csat", "mean", "CSAT (1-5)"),
    ("journey_conversion_rate", "rate", "Journey conversion"),
    ("opt_out_rate", "rate", "Opt-out rate"),
]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 10 else f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cell(figure: dict, stat: str) -> str:
    ci = figure.get(f"{stat}_ci", figure.get("ci"))
    text = _fmt(figure.get(stat))
    if ci and figure.get(stat) is not None:
        text += f" [{_fmt(ci[0])}, {_fmt(ci[1])}]"
    return f"{text} n={figure.get('n', 0)}"


def _table(title: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    widths = [max(len(title), *(len(r[0]) for r in rows))] + [
        max(len(c), *(len(r[1][i]) for r in rows)) for i, c in enumerate(columns)
    ]
    line = "  ".join("-" * w for w in widths)
    out = [
        title.ljust(widths[0]) + "  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths[1:], strict=True)),
        line,
    ]
    out += [
        r[0].ljust(widths[0]) + "  " + "  ".join(v.rjust(w) for v, w in zip(r[1], widths[1:], strict=True))
        for r in rows
    ]
    return out


def as_table(report: dict) -> str:
    profile = report["profile"]
    out = [
        f"Comparison for {report['tenant']}: {report['start']} to {report['end']} "
        f"(episode gap {report['episode_gap_hours']} h)",
        f"Contacts active: {profile['contacts']}; with two or more identity kinds: "
        f"{_fmt(profile['multi_identity_share'])}; consent conflicts: {profile['consent_conflicts']}",
        "",
    ]
    modes = list(report["replay"])
    out += _table(
        "REPLAY (same log, each policy)",
        modes,
        [(label, [_fmt(report["replay"][m][key]) for m in modes]) for key, label in REPLAY_ROWS],
    )
    observed = report["observed"]
    if observed:
        out += [""]
        omodes = list(observed)
        out += _table(
            "OBSERVED (by effective mode, 95% CI)",
            omodes,
            [(label, [_cell(observed[m][key], stat) for m in omodes]) for key, stat, label in OBSERVED_ROWS],
        )
    if "experiment" in report:
        diff = report["experiment"]["difference"]
        out += ["", "EXPERIMENT: treatment minus holdout (95% CI)"]
        out += [
            f"  {key}: {_fmt(d['value'])}" + (f" [{_fmt(d['ci'][0])}, {_fmt(d['ci'][1])}]" if d["ci"] else "")
            for key, d in diff.items()
        ]
    if report.get("assumptions"):
        out += ["", "ASSUMPTIONS (simulated data)"] + [f"  - {a}" for a in report["assumptions"]]
    return "\n".join(out) + "\n"


def _flatten(prefix: str, value, rows: list) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        rows.append((prefix, ";".join("" if v is None else str(v) for v in value)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _flatten(f"{prefix}.{i}", inner, rows)
    else:
        rows.append((prefix, "" if value is None else value))


def as_csv(report: dict) -> str:
    """One ``metric,value`` row per figure, keys dotted (``replay.omnichannel.threads``)."""
    rows: list = []
    _flatten("", report, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerows(rows)
    return buffer.getvalue()
