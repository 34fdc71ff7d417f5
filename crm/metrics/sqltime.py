"""Time arithmetic in SQL that gives the same answers on SQLite and PostgreSQL.

Replay compares gaps between timestamps inside window functions. Each backend turns a
timestamp column into an exact number (PostgreSQL: epoch seconds as ``numeric``, exact to the
microsecond; SQLite: integer epoch milliseconds, the precision of its date functions), and
durations are converted to the same unit, so "a gap of exactly EPISODE_GAP" compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class SqlTime:
    vendor: str

    @property
    def per_second(self) -> int:
        return 1 if self.vendor == "postgresql" else 1000

    def epoch(self, column: str) -> str:
        """An exact number for ``column`` (a datetime column reference)."""
        if self.vendor == "postgresql":
            return f"EXTRACT(EPOCH FROM {column})"
        return (
            f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000"
            f" + CAST(substr(strftime('%%f', {column}), 4, 3) AS INTEGER))"
        )

    def seconds(self, seconds: int) -> str:
        """A duration, in the unit of :meth:`epoch`, as an SQL literal."""
        value = int(seconds) * self.per_second
        return f"CAST({value} AS numeric)" if self.vendor == "postgresql" else str(value)


def sql_time() -> SqlTime:
    return SqlTime(connection.vendor)
