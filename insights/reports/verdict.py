"""The headline verdict in plain words, from the experiment's intervals: an interval of the
difference (treatment minus holdout) that excludes zero is a clear difference; one that
includes it is "no clear difference yet"; without an interval nothing is said."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .catalog import label, mode_label
from .units import unit_of, value_text

#: difference key -> (sentence when the treatment is lower, when higher); ``%(x)s`` is the size
PHRASES = {
    "customer_messages_per_episode": (
        gettext_lazy("customers wrote %(x)s fewer messages per need"),
        gettext_lazy("customers wrote %(x)s more messages per need"),
    ),
    "tickets_per_episode": (
        gettext_lazy("a need took %(x)s fewer tickets"),
        gettext_lazy("a need took %(x)s more tickets"),
    ),
    "first_response_seconds_median": (
        gettext_lazy("the first response came %(x)s sooner (median)"),
        gettext_lazy("the first response came %(x)s later (median)"),
    ),
    "resolution_seconds_median": (
        gettext_lazy("needs were resolved %(x)s sooner (median)"),
        gettext_lazy("needs were resolved %(x)s later (median)"),
    ),
    "csat": (
        gettext_lazy("CSAT was %(x)s points lower"),
        gettext_lazy("CSAT was %(x)s points higher"),
    ),
    "journey_conversion_rate": (
        gettext_lazy("journey conversion was %(x)s lower"),
        gettext_lazy("journey conversion was %(x)s higher"),
    ),
    "opt_out_rate": (
        gettext_lazy("opt-outs were %(x)s lower"),
        gettext_lazy("opt-outs were %(x)s higher"),
    ),
}

CLEAR, UNCLEAR, UNKNOWN = "clear", "unclear", "unknown"


@dataclass(frozen=True)
class Finding:
    key: str
    label: str
    status: str  # CLEAR, UNCLEAR or UNKNOWN (no interval)
    text: str  # the finding on its own ("under omnichannel customers wrote ...")
    clause: str = ""  # a clear finding without its mode, for the headline
    mode: str = ""


def classify(ci) -> str:
    """An interval excluding zero is a clear difference."""
    if not ci or ci[0] is None or ci[1] is None:
        return UNKNOWN
    return CLEAR if ci[0] > 0 or ci[1] < 0 else UNCLEAR


def _size(key: str, value: float) -> str:
    text = value_text(abs(value), unit_of(key), difference=unit_of(key) == "share")
    return text.lstrip("+")


def finding(key: str, raw: dict, treatment: str) -> Finding:
    value, status, name = raw.get("value"), classify(raw.get("ci")), label(key)
    if status == UNKNOWN or value is None:
        return Finding(key, name, UNKNOWN, _("%(metric)s: not enough data for an interval") % {"metric": name})
    if status == UNCLEAR:
        return Finding(key, name, UNCLEAR, _("%(metric)s: no clear difference yet") % {"metric": name})
    lower, higher = PHRASES.get(key, (None, None))
    phrase = lower if value < 0 else higher
    if phrase is None:
        change = value_text(value, unit_of(key), difference=True)
        what = _("%(metric)s changed by %(x)s") % {"metric": name, "x": change}
    else:
        what = phrase % {"x": _size(key, value)}
    clause = _("%(what)s, a clear difference") % {"what": what}
    text = _("under %(mode)s %(clause)s") % {"mode": treatment, "clause": clause}
    return Finding(key, name, CLEAR, text, clause, treatment)


def findings(report: dict) -> list[Finding]:
    """One finding per difference of the experiment, in the report's order; none without one."""
    experiment = report.get("experiment") or {}
    treatment = mode_label((experiment.get("cohorts") or {}).get("treatment", {}).get("mode", "")).lower()
    return [finding(key, raw, treatment) for key, raw in (experiment.get("difference") or {}).items()]


def headline(items: list[Finding]) -> str | None:
    """ "Under omnichannel customers wrote 1.49 fewer messages per need, a clear difference;
    satisfaction: no clear difference yet." (figures without an interval are left out)."""
    clear = [f for f in items if f.status == CLEAR]
    unclear = [f.label for f in items if f.status == UNCLEAR]
    parts = [clear[0].text, *(f.clause for f in clear[1:])] if clear else []
    if unclear:
        parts.append(_("%(metrics)s: no clear difference yet") % {"metrics": ", ".join(unclear)})
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
