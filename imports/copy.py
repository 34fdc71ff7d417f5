"""Bulk inserts of a batch by ``COPY`` on PostgreSQL (``bulk_create`` elsewhere).

``bulk_create`` prepares every field of every row through the ORM, which costs more than the
database's own work at import volumes. Here the rows' ids are taken from the table's sequence
in one statement, the columns the import sets are read from the unsaved instances as plain
values, and every other column gets the value the ORM would give a new instance (its default,
``auto_now`` stamps), prepared once per batch, so a column another feature adds to the model
is written as ``Model.save()`` would write it.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def _value(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def bulk_insert(model: type[Model], objs: list[Model], attnames: tuple[str, ...]) -> None:
    """Insert ``objs`` (unsaved) and set their primary keys; ``attnames`` are the fields set on
    them, the other fields take their defaults."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    given = [f for f in fields if f.attname in attnames]
    others = [f for f in fields if f.attname not in attnames]
    now = timezone.now()
    constants = []
    for f in others:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants.append(now)
        else:
            constants.append(_value(f.get_default()))
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cur.fetchall()]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *given, *others])
        with cur.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj, pk_value in zip(objs, ids, strict=True):
                copy.write_row([pk_value, *(_value(getattr(obj, f.attname)) for f in given), *constants])
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
