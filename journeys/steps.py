"""Journey steps: validation on save, template compilation and rendering, channel limits.

A journey's ``steps`` is a list of dicts:

- ``{"type": "send", "channel": id, "purpose": "marketing"|"transactional", "template": "...",
  "subject"?: "...", "requires_event"?: bool, "offer"?: {"description", "valid_days"}}``; ``subject``
  is optional on every channel: an e-mail send without one is sent with the journey's name.
  With ``"language"`` the step sends the provider's approved WhatsApp template named by
  ``template`` (``"params"``: its body parameters, each rendered like a text, and ``"text"``: what
  goes instead on a channel whose provider has no templates); without it, as before, ``template``
  is the text
- ``{"type": "wait", "seconds": N}`` or ``{"type": "wait", "until": "<event property>",
  "offset_seconds"?: N, "at_time"?: "HH:MM"}``
- ``{"type": "wait_for", "event": name, "timeout_seconds": N, "channel"?: id}``
- ``{"type": "branch", "if_event": name, "then": index, "else": index, "channel"?: id}``

Steps run in order; ``branch`` jumps. A path that jumps backwards must pass a wait step.
"""

from __future__ import annotations

import re
from typing import Any

from django.template import Context, Engine, TemplateSyntaxError

from crm.errors import ApplicationError
from crm.models import Channel, ChannelKind, Purpose, Tenant

STEP_TYPES = ("send", "wait", "wait_for", "branch")
SEND_PURPOSES = (Purpose.MARKETING, Purpose.TRANSACTIONAL)
MAX_STEPS = 50
MAX_WAIT_SECONDS = 366 * 86400
MAX_SMS_SEGMENTS = 3
GSM_CHARS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
AT_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
BIGINT_MAX = 2**63 - 1  # channel ids beyond match no row (and overflow the database driver)

# Autoescape off: the texts are plain text for SMS, WhatsApp and e-mail bodies.
_engine = Engine(autoescape=False, string_if_invalid="")


def template_compile(source: str, *, field: str):
    try:
        return _engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise ApplicationError(f"The template does not compile: {exc}", {field: [str(exc)]}) from None


def template_render(source: str, *, context: dict[str, Any]) -> str:
    return _engine.from_string(source).render(Context(context)).strip()


def default_subject(journey) -> str:
    """The subject of an e-mail send step that has none: the journey's name (one line)."""
    return " ".join(journey.name.split())[:998] or "-"


def sms_segments(text: str) -> int:
    """Number of SMS segments: GSM-7 (160, or 153 when split) else UCS-2 (70, or 67)."""
    gsm = all(c in GSM_CHARS for c in text)
    single, multi = (160, 153) if gsm else (70, 67)
    if len(text) <= single:
        return 1
    return -(-len(text) // multi)


def text_limit_error(*, kind: str, text: str, subject: str) -> str | None:
    """Why a rendered text cannot go out on a channel of ``kind``, or ``None``."""
    if not text:
        return "empty_text"
    if kind in (ChannelKind.SMS, ChannelKind.RCS) and sms_segments(text) > MAX_SMS_SEGMENTS:
        return "too_long"
    if kind == ChannelKind.WHATSAPP and len(text) > 4096:
        return "too_long"
    if kind == ChannelKind.EMAIL and (not subject or len(subject) > 998 or "\n" in subject):
        return "bad_subject"
    return None


def _error(index: int, message: str, detail: str | None = None) -> ApplicationError:
    return ApplicationError(f"Step {index}: {message}", {"steps": [f"step {index}: {detail or message}"]})


def _int(step: dict, key: str, index: int, *, minimum: int, maximum: int, required: bool = True) -> int | None:
    value = step.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise _error(index, f"{key!r} must be an integer between {minimum} and {maximum}.")
    return value


def _channel_id(step: Any) -> int | None:
    value = step.get("channel") if isinstance(step, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= BIGINT_MAX else None


def _channel(step: dict, index: int, channels: dict[int, Channel], *, required: bool) -> Channel | None:
    if step.get("channel") is None and not required:
        return None
    channel = channels.get(_channel_id(step))
    if channel is None:
        raise _error(index, f"unknown channel {step.get('channel')!r}.", "unknown channel")
    return channel


def _event_name(step: dict, key: str, index: int) -> None:
    value = step.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise _error(index, f"{key!r} must be an event name (1 to 100 characters).")


def _step_template_compile(source: str, index: int, key: str) -> None:
    try:
        template_compile(source, field="steps")
    except ApplicationError as exc:
        raise _error(
            index, f"{key!r} does not compile: {exc.message.removeprefix('The template does not compile: ')}"
        ) from None


TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,512}$")
MAX_TEMPLATE_PARAMS = 20


def is_template_step(step: dict) -> bool:
    """A send step naming a provider template (it has a ``language``)."""
    return "language" in step


def _validate_template(step: dict, index: int, channel: Channel) -> None:
    if channel.kind != ChannelKind.WHATSAPP:
        raise _error(index, "a template ('language') can only be sent on a WhatsApp channel.")
    if not isinstance(step.get("template"), str) or not TEMPLATE_NAME.match(step["template"]):
        raise _error(index, "'template' must name the provider's template (letters, digits, '_').")
    language = step["language"]
    if not isinstance(language, str) or not 0 < len(language) <= 16:
        raise _error(index, "'language' must be a language code such as 'fr' or 'en_US'.")
    params = step.get("params", [])
    if not isinstance(params, list) or len(params) > MAX_TEMPLATE_PARAMS or not all(isinstance(p, str) for p in params):
        raise _error(index, f"'params' must be a list of at most {MAX_TEMPLATE_PARAMS} texts.")
    for source in [*params, step.get("text", "")]:
        if not isinstance(source, str):
            raise _error(index, "'text' must be a string.")
        template_compile(source, field="steps")


def _validate_send(step: dict, index: int, channels: dict[int, Channel]) -> None:
    channel = _channel(step, index, channels, required=True)
    if step.get("purpose") not in SEND_PURPOSES:
        raise _error(index, "'purpose' must be 'marketing' or 'transactional'.")
    if is_template_step(step):
        _validate_template(step, index, channel)
        return
    template = step.get("template")
    if not isinstance(template, str) or not template.strip():
        raise _error(index, "'template' is required.")
    _step_template_compile(template, index, "template")
    subject = step.get("subject", "")
    if not isinstance(subject, str):
        raise _error(index, "'subject' must be a string.")
    _step_template_compile(subject, index, "subject")
    if channel.kind in (ChannelKind.SMS, ChannelKind.RCS) and "{" not in template:
        if sms_segments(template) > MAX_SMS_SEGMENTS:
            raise _error(index, f"the SMS text is longer than {MAX_SMS_SEGMENTS} segments.")
    offer = step.get("offer")
    if offer is not None:
        if not isinstance(offer, dict):
            raise _error(index, "'offer' must be an object.")
        _int(offer, "valid_days", index, minimum=1, maximum=366, required=False)


def _validate_wait(step: dict, index: int) -> None:
    if step.get("until") is None:
        _int(step, "seconds", index, minimum=1, maximum=MAX_WAIT_SECONDS)
        return
    if not isinstance(step["until"], str) or not step["until"]:
        raise _error(index, "'until' must name an event property holding a date and time.")
    _int(step, "offset_seconds", index, minimum=-MAX_WAIT_SECONDS, maximum=MAX_WAIT_SECONDS, required=False)
    at_time = step.get("at_time")
    if at_time is not None and (not isinstance(at_time, str) or not AT_TIME.match(at_time)):
        raise _error(index, "'at_time' must be HH:MM.")


def _validate_one(step: Any, index: int, count: int, channels: dict[int, Channel]) -> None:
    if not isinstance(step, dict) or step.get("type") not in STEP_TYPES:
        raise _error(index, f"'type' must be one of {', '.join(STEP_TYPES)}.")
    kind = step["type"]
    if kind == "send":
        _validate_send(step, index, channels)
    elif kind == "wait":
        _validate_wait(step, index)
    elif kind == "wait_for":
        _event_name(step, "event", index)
        _int(step, "timeout_seconds", index, minimum=1, maximum=MAX_WAIT_SECONDS)
        _channel(step, index, channels, required=False)
    else:
        _event_name(step, "if_event", index)
        for key in ("then", "else"):
            _int(step, key, index, minimum=0, maximum=count - 1)
        _channel(step, index, channels, required=False)


def successors(steps: list[dict], index: int) -> list[int]:
    step = steps[index]
    if step["type"] == "branch":
        return [step["then"], step["else"]]
    return [index + 1] if index + 1 < len(steps) else []


def _check_no_loop_without_wait(steps: list[dict]) -> None:
    """Every cycle of the step graph must contain a ``wait`` or ``wait_for`` step."""
    waits = {i for i, s in enumerate(steps) if s["type"] in ("wait", "wait_for")}
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done

    def visit(i: int) -> None:
        state[i] = 1
        for j in successors(steps, i):
            if j in waits:
                continue
            if state.get(j) == 1:
                raise _error(i, f"jumping to step {j} makes a loop without a wait step.", "loop without a wait")
            if j not in state:
                visit(j)
        state[i] = 2

    for start in range(len(steps)):
        if start not in state:
            visit(start)


def steps_validate(*, tenant: Tenant, steps: Any) -> list[dict]:
    """Check a journey's steps; raise a 400 naming the first bad step."""
    if not isinstance(steps, list) or not steps:
        raise ApplicationError("A journey needs a list of steps.", {"steps": ["a non-empty list is required"]})
    if len(steps) > MAX_STEPS:
        raise ApplicationError(f"At most {MAX_STEPS} steps.", {"steps": [f"at most {MAX_STEPS} steps"]})
    ids = {_channel_id(s) for s in steps} - {None}
    channels = {c.pk: c for c in Channel.objects.filter(tenant=tenant, pk__in=ids)}
    for index, step in enumerate(steps):
        _validate_one(step, index, len(steps), channels)
    _check_no_loop_without_wait(steps)
    return steps
