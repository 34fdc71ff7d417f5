"""The names hand-written metric SQL uses, taken from the models.

A statement is a ``str.format`` template: ``{Message}`` is the table of ``Message``,
``{Message.direction}`` the column of its ``direction`` field (``{Message.contact}`` is
``contact_id``) and ``{Direction.INBOUND}`` the value of that choice as an SQL string literal.
``NAMES`` holds every model and choice the metrics read; ``SqlParts.render`` passes it to each
template, so renaming a table, a column or a stored value changes the SQL with it, and a field
that does not exist fails at render time instead of matching no rows.
"""

from __future__ import annotations

import re

from django.db import models

from crm.models import Channel, Direction, Event, Message, Purpose, Ticket
from journeys.models import (
    Enrollment,
    Journey,
    Offer,
    OfferRedemption,
    RedemptionReason,
    StepOutcome,
    StepReason,
    StepRun,
    StepType,
)

_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")


class Table:
    """A model in a template: ``str()`` is its table name, each attribute the column of the
    field of that name."""

    def __init__(self, model: type[models.Model]) -> None:
        self._model = model

    def __str__(self) -> str:
        return self._model._meta.db_table

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._model._meta.get_field(name).column


def sql_literal(value: str) -> str:
    """A constant of the code (a stored choice value, never user input) as an SQL string literal.

    Only plain values are accepted, so the literal needs no escaping on any database and holds
    no ``%`` (statements run with parameters)."""
    if not isinstance(value, str) or not _PLAIN.fullmatch(value):
        raise ValueError(f"not a plain choice value: {value!r}")
    return f"'{value}'"


class Literals:
    """A ``TextChoices`` in a template: each attribute is that member's value, quoted."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self._choices = choices

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return sql_literal(self._choices[name].value)


TABLES = (Message, Channel, Ticket, Event, Journey, Enrollment, StepRun, Offer, OfferRedemption)
CHOICES = (Direction, Purpose, StepType, StepOutcome, StepReason, RedemptionReason)
NAMES: dict[str, Table | Literals] = {
    **{model.__name__: Table(model) for model in TABLES},
    **{choices.__name__: Literals(choices) for choices in CHOICES},
}


def sql(template: str, **values) -> str:
    """``template`` with the names of ``NAMES`` and ``values`` filled in."""
    return template.format(**NAMES, **values)
