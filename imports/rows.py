"""Reading an import file one row at a time, and checking a row fully before it is written.

``read_rows`` streams a CSV or JSON Lines file (constant memory whatever its size) and yields
``(line, fields)``; ``mbox.read_mails`` does the same for an e-mail archive. ``row_check``
turns the fields into a ``Row`` (addresses normalised as live traffic's are) or raises
``RowError`` naming the field.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime

from crm.errors import ApplicationError
from crm.models import ChannelKind, Direction, IdentityKind, Purpose, Tenant
from crm.services.addresses import IDENTITY_KIND_FOR_CHANNEL, normalize_address

from .columns import COLUMNS

MAX_TEXT = 100_000
MAX_NAME = 100
MAX_EXTERNAL_ID = 255
#: the contact identities a row may name, in the order they decide its contact
CONTACT_FIELDS = (
    ("contact_external_id", IdentityKind.EXTERNAL),
    ("contact_email", IdentityKind.EMAIL),
    ("contact_phone", IdentityKind.PHONE),
)
csv.field_size_limit(MAX_TEXT * 4)
# the choices as tuples once (``TextChoices.values`` builds a new list at each call)
CHANNEL_KINDS = tuple(ChannelKind.values)
DIRECTIONS = tuple(Direction.values)
PURPOSES = tuple(Purpose.values)


class RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class Row:
    """A checked row, ready to write."""

    line: int
    key: str
    type: str  # message | event
    occurred_at: datetime
    identities: list[tuple[str, str]]  # (kind, normalised address), deciding first
    channel_kind: str = ""
    direction: str = ""
    purpose: str = Purpose.CONVERSATION
    from_address: str = ""
    to_address: str = ""
    subject: str = ""
    text: str = ""
    external_id: str | None = None
    event_name: str = ""
    properties: dict = field(default_factory=dict)
    references: list[str] = field(default_factory=list)  # e-mail threading (mbox)
    name: str = ""


def read_rows(stream: io.BufferedIOBase, fmt: str) -> Iterator[tuple[int, dict | None, str]]:
    """``(line, fields, problem)`` for each record of a CSV (header first) or JSONL file;
    ``fields`` is None and ``problem`` says why when the record cannot be read."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="" if fmt == "csv" else None, errors="strict")
    if fmt == "csv":
        yield from _csv_rows(text)
    else:
        yield from _jsonl_rows(text)


def _csv_rows(text: io.TextIOWrapper) -> Iterator[tuple[int, dict | None, str]]:
    reader = csv.reader(text)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise RowError("header", f"unknown columns: {', '.join(unknown)}")
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            line = reader.line_num
            yield start, None, str(exc)
            continue
        line = reader.line_num
        if not values:
            continue
        if len(values) != len(header):
            yield start, None, f"{len(values)} values for {len(header)} columns"
            continue
        yield start, dict(zip(header, values, strict=True)), ""


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[tuple[int, dict | None, str]]:
    line = 0
    while True:
        line += 1
        try:
            raw = text.readline()
        except UnicodeDecodeError as exc:
            yield line, None, str(exc)
            continue
        if not raw:
            return
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            yield line, None, f"not JSON: {exc}"
            continue
        if not isinstance(value, dict):
            yield line, None, "not a JSON object"
            continue
        yield line, value, ""


def _text(fields: dict, name: str, limit: int = MAX_TEXT) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise RowError(name, "must be a string")
    if "\x00" in value:
        raise RowError(name, "must not contain a NUL character")
    value = value.strip() if limit <= MAX_EXTERNAL_ID else value
    if len(value) > limit:
        raise RowError(name, f"at most {limit} characters")
    return value


def _choice(fields: dict, name: str, choices, default: str = "") -> str:
    value = _text(fields, name, 32) or default
    if value not in choices:
        raise RowError(name, f"expected one of {', '.join(choices)}")
    return value


def _when(fields: dict) -> datetime:
    raw = _text(fields, "occurred_at", 64)
    if not raw:
        raise RowError("occurred_at", "this field is required")
    try:
        value = parse_datetime(raw.replace(" UTC", "Z"))
    except ValueError:
        value = None
    if value is None:
        raise RowError("occurred_at", "not an ISO 8601 date and time")
    if value.tzinfo is None:
        raise RowError("occurred_at", "needs a time zone (Z or +01:00)")
    return value


def _address(kind: str, raw: str, region: str, name: str) -> str:
    normalised = _normalised(kind, raw, region)
    if isinstance(normalised, ApplicationError):
        raise RowError(name, normalised.message)
    return normalised


@functools.lru_cache(maxsize=65536)  # bounded: a customer's address recurs on many rows and columns
def _normalised(kind: str, raw: str, region: str) -> str | ApplicationError:
    try:
        return normalize_address(kind, raw, region=region)
    except ApplicationError as exc:
        return exc


def _properties(fields: dict) -> dict:
    value = fields.get("properties")
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RowError("properties", "not JSON") from None
    if not isinstance(value, dict):
        raise RowError("properties", "must be a JSON object")
    return value


def _amount(fields: dict, properties: dict) -> None:
    raw = fields.get("amount")
    if raw in (None, ""):
        return
    try:
        amount = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise RowError("amount", "not a number") from None
    if not amount.is_finite() or amount < 0:
        raise RowError("amount", "must be a number at least 0")
    properties["amount"] = float(amount)
    currency = _text(fields, "currency", 3).upper()
    if currency and not (len(currency) == 3 and currency.isalpha()):
        raise RowError("currency", "an ISO 4217 code such as EUR")
    if currency:
        properties["currency"] = currency


def row_key(fields: dict, kind: str, external_id: str | None) -> str:
    """The row's identity: its external id per channel kind when it has one, else its content."""
    if external_id:
        basis = json.dumps([fields.get("type") or "message", kind, external_id])
    else:
        basis = json.dumps({k: fields.get(k) for k in COLUMNS if fields.get(k) not in (None, "")}, sort_keys=True)
    return hashlib.sha256(basis.encode()).hexdigest()


def row_check(line: int, fields: dict, *, tenant: Tenant, channel_kinds: set[str]) -> Row:
    """The checked ``Row`` of ``fields``, or ``RowError`` for the first field that is wrong."""
    region = tenant.default_region
    row_type = _choice(fields, "type", ("message", "event"), "message")
    occurred_at = _when(fields)
    identities: list[tuple[str, str]] = []
    for name, kind in CONTACT_FIELDS:
        if raw := _text(fields, name, 320):
            identities.append((kind, _address(kind, raw, region, name)))
    external_id = _text(fields, "external_id", MAX_EXTERNAL_ID) or None
    row = Row(line=line, key="", type=row_type, occurred_at=occurred_at, identities=identities, external_id=external_id)
    if row_type == "message":
        _message_check(row, fields, region=region, channel_kinds=channel_kinds)
    else:
        row.event_name = _text(fields, "event_name", MAX_NAME)
        if not row.event_name:
            raise RowError("event_name", "this field is required for an event")
        row.channel_kind = _text(fields, "channel_kind", 16)
        if row.channel_kind and row.channel_kind not in CHANNEL_KINDS:
            raise RowError("channel_kind", f"expected one of {', '.join(CHANNEL_KINDS)}")
        row.properties = _properties(fields)
        _amount(fields, row.properties)
        if not identities:
            raise RowError("contact_email", "an event needs contact_email, contact_phone or contact_external_id")
    row.key = row_key(fields, row.channel_kind, external_id)
    return row


def _message_check(row: Row, fields: dict, *, region: str, channel_kinds: set[str]) -> None:
    row.channel_kind = _choice(fields, "channel_kind", CHANNEL_KINDS)
    if row.channel_kind not in channel_kinds:
        raise RowError("channel_kind", f"the tenant has no {row.channel_kind} channel")
    row.direction = _choice(fields, "direction", DIRECTIONS)
    row.purpose = _choice(fields, "purpose", PURPOSES, Purpose.CONVERSATION)
    if row.direction == Direction.INBOUND and row.purpose != Purpose.CONVERSATION:
        raise RowError("purpose", "an inbound message is a conversation")
    kind = IDENTITY_KIND_FOR_CHANNEL[row.channel_kind]
    customer = "from" if row.direction == Direction.INBOUND else "to"
    raw = _text(fields, customer, 320)
    if raw:
        address = _address(kind, raw, region, customer)
        row.identities.insert(0, (kind, address))
        setattr(row, f"{customer}_address", address)
    elif not row.identities:
        raise RowError(customer, "the customer's address is required (or contact_email, contact_phone...)")
    other = "to" if customer == "from" else "from"
    setattr(row, f"{other}_address", _text(fields, other, 320))
    row.subject = _text(fields, "subject", 998)
    row.text = _text(fields, "text")
