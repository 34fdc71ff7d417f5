"""Time arithmetic in SQL that gives the same answers on SQLite and PostgreSQL.

Replay compares gaps between timestamps inside window functions. PostgreSQL works on the
``timestamptz`` columns themselves (differences are exact intervals); SQLite turns a timestamp
into integer epoch milliseconds (the precision of its date functions). Durations are written in
the same unit, so "a gap of exactly EPISODE_GAP" compares equal on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection


@dataclass(frozen=True)
class SqlTime:
    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def epoch(self, column: str) -> str:
        """An exact, ordered value for ``column`` (a datetime column reference)."""
        if self.postgres:
            return column
        return (
            f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000"
            f" + CAST(substr(strftime('%%f', {column}), 4, 3) AS INTEGER))"
        )

    def seconds(self, seconds: int) -> str:
        """A duration, in the unit of :meth:`epoch` differences, as an SQL literal."""
        if self.postgres:
            return f"INTERVAL '{int(seconds)} seconds'"
        return str(int(seconds) * 1000)

    def to_seconds(self, value) -> float:
        """A difference of two :meth:`epoch` values, as read from a row, in seconds."""
        if isinstance(value, timedelta):
            return value.total_seconds()
        return float(value) / 1000


def sql_time() -> SqlTime:
    return SqlTime(connection.vendor)
