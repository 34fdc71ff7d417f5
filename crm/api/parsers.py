"""JSON input the database can store, checked once for every endpoint and webhook.

- Nesting is bounded (``MAX_JSON_DEPTH``) before the parser recurses: a body of 200 KB of
  ``[`` is a 400, not a ``RecursionError``.
- No string (key or value, at any depth) may hold a NUL character, which PostgreSQL refuses in
  text and ``jsonb``, or a lone UTF-16 surrogate (``"\\ud800"``), which cannot be encoded as
  UTF-8 for any database. The error names the top-level field and the path inside it.

``loads`` is the parser the API (``SafeJSONParser``) and the webhook adapters share.
"""

from __future__ import annotations

import json
import re

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from crm.middleware import view_body_limit

MAX_JSON_DEPTH = 32
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SAME_BRACKETS = bytes.maketrans(b"{}", b"[]")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JsonInputError(ValueError):
    """JSON that cannot be accepted; ``field`` is the top-level key it concerns, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def nesting_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` nests arrays and objects deeper than ``limit``.

    Linear whatever the input: escapes and strings are removed, brackets kept, and innermost
    pairs dropped ``limit`` times; anything left is deeper (or unbalanced)."""
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", body)).translate(_SAME_BRACKETS, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"")
        if shorter == brackets:
            break
        brackets = shorter
    return bool(brackets)


def unstorable_path(value, path: str = "") -> str | None:
    """The path (``attributes.note``, ``steps[0].template``) of the first string holding a NUL
    or a lone surrogate, or ``None``. Iterative: safe at any depth."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return where or "(body)"
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and UNSTORABLE.search(key):
                    return where or "(body)"
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def top_field(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def loads(body: bytes | str, *, limit: int = MAX_JSON_DEPTH):
    """``json.loads`` for untrusted input: JsonInputError (a ValueError) when the text is too
    deeply nested, not JSON (``NaN`` and ``Infinity`` included), or holds a string that
    cannot be stored."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if nesting_exceeds(raw, limit):
        raise JsonInputError(f"JSON nested deeper than {limit} levels.")
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonInputError(f"JSON nested deeper than {limit} levels.") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise JsonInputError(f"JSON parse error - {exc}") from None
    if (path := unstorable_path(value)) is not None:
        raise JsonInputError(f"{path}: NUL characters and lone surrogates are not allowed.", top_field(path))
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class SafeJSONParser(JSONParser):
    """DRF's JSON parser over ``loads``: an unstorable string is a 400 naming its field."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = view_body_limit((parser_context or {}).get("view"))
        raw = stream.read(limit + 1) if stream is not None else b""
        if not raw:
            raise exceptions.ParseError("JSON parse error - empty body")
        try:
            return loads(raw)
        except JsonInputError as exc:
            if exc.field:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from None
            raise exceptions.ParseError(exc.message) from None


def query_params_check(params) -> None:
    """The query string obeys the same rule as bodies (filters reach the database)."""
    for key, values in params.lists():
        for value in (key, *values):
            if UNSTORABLE.search(value):
                raise exceptions.ValidationError({key: ["NUL characters and lone surrogates are not allowed."]})
