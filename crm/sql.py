"""Helpers for the few hand-written PostgreSQL statements of the hot paths.

They keep those statements tied to the models: columns are listed from the model's fields,
rows are turned into instances as the ORM would, and the values of an insert come from an
unsaved instance through each field's own ``pre_save`` and ``get_db_prep_save`` (defaults,
``auto_now`` stamps and JSON adaptation exactly as ``Model.save()`` writes them).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections


def prepared_cursor():
    """A cursor for a hot single statement that PostgreSQL parses and plans once per connection.

    Django's own cursors bind parameters on the client (``ClientCursor``), so every statement
    reaches the server as new text, to be parsed, analysed and planned again: for a delivery's
    claim that is half of what PostgreSQL spends on it. This one binds on the server and, once
    a statement has run ``prepare_threshold`` times on the connection (``DATABASES`` options,
    see settings), runs it as a prepared statement. ORM queries are untouched (a client-side
    cursor never prepares). The cursor is wrapped as Django wraps its own, so errors, query
    logging and ``execute_wrapper`` hooks behave the same. Use it as a context manager.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each attribute of ``connection`` looks it up again
    db.ensure_connection()
    db.validate_thread_sharing()
    cursor_class, timezone_of, register_tzloader = _server_binding()
    cursor = cursor_class(db.connection)
    if db.timezone != timezone_of(db.connection):
        register_tzloader(db.timezone, cursor)  # as Django's create_cursor() does
    return db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)


@functools.cache
def _server_binding():
    """Django's server-binding cursor class, and what its create_cursor() checks (psycopg 3)."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    def timezone_of(pg_connection):
        return pg_connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone

    return ServerBindingCursor, timezone_of, register_tzloader


class Table:
    """A model's table and columns as a hand-written statement names them: ``str(Table(M))`` is
    its ``db_table``, ``Table(M).f`` the quoted ``column`` of the field named (or attnamed) ``f``;
    a name the model has no field for raises ``FieldDoesNotExist``."""

    def __init__(self, model):
        self.model = model

    def __str__(self) -> str:
        return self.model._meta.db_table

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):  # copy, pickle and the like probe for these
            raise AttributeError(name)
        return _column(self.model, name)


@functools.cache
def _column(model, name: str) -> str:
    return f'"{model._meta.get_field(name).column}"'


def columns(model, alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in field order."""
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def instance(model, values):
    """A model instance from a row of ``columns(model)``, converted as the ORM would."""
    db = connections[DEFAULT_DB_ALIAS]
    attnames, converted = _row_plan(model)
    values = list(values)
    if len(values) != len(attnames):
        raise ValueError(f"{model.__name__}: {len(values)} values for {len(attnames)} columns")
    for i, field in converted:
        values[i] = field.from_db_value(values[i], None, db)
    return model.from_db(db.alias, attnames, values)


@functools.cache
def _row_plan(model):
    """The attnames of ``columns(model)``, and the fields among them with a database converter."""
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], [(i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value")]


class Shape(NamedTuple):
    """The column list and the placeholder list of an ``Insert``: fixed per model."""

    columns: str
    values: str


class Insert:
    """The columns, typed placeholders and parameters that insert the unsaved ``obj`` as
    ``save()`` would, for ``INSERT INTO t (<columns>) SELECT <values>, ...``.

    The primary key and the fields named in ``exclude`` (by attname) are left out: the
    statement supplies them. ``shared`` maps fields to parameters the statement already has
    (``(("tenant_id", "tenant"),)``): their values are the statement's, not ``obj``'s. Placeholders are ``%(<prefix><n>)s`` cast to the column's type
    (a ``NULL`` in a ``SELECT`` list has none), so ``shape`` depends on the model alone; text
    columns are cast to ``text``, never to a length that would truncate.
    """

    def __init__(self, obj, *, prefix: str, exclude: tuple[str, ...] = (), shared: tuple[tuple[str, str], ...] = ()):
        fields, names, self.shape = _insert_plan(type(obj), prefix, exclude, shared)
        self.params = {
            name: field.get_db_prep_save(field.pre_save(obj, True), connection)
            for name, field in zip(names, fields, strict=True)
        }


@functools.cache
def _insert_plan(model, prefix: str, exclude: tuple[str, ...], shared: tuple[tuple[str, str], ...]):
    """``(fields with a parameter of their own, their parameter names, shape)``; a field named
    in ``shared`` (``(attname, parameter)`` pairs) takes the statement's own parameter."""
    reuse = dict(shared)
    inserted = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in exclude]
    fields = [f for f in inserted if f.attname not in reuse]
    names = {f.attname: f"{prefix}{i}" for i, f in enumerate(fields)}
    shape = Shape(
        ", ".join(f'"{f.column}"' for f in inserted),
        ", ".join(f"%({reuse.get(f.attname) or names[f.attname]})s::{_cast(f)}" for f in inserted),
    )
    return fields, [names[f.attname] for f in fields], shape


def _cast(field) -> str:
    if field.get_internal_type() in ("CharField", "TextField", "EmailField", "SlugField"):
        return "text"
    return field.cast_db_type(connection)


def mark_saved(obj, pk: int):
    """``obj``, inserted by a hand-written statement, now behaves as the ORM's saved one."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
