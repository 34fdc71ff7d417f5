"""Exact query counts, per database backend, where the count is the contract (the shape of
Zulip's ``assert_database_query_count``): the block must run exactly the number of queries given
for the backend in use, and a failure lists them.

Savepoints are not counted: they come from the test's own transaction around a service that is
atomic on its own (in production, an autocommit request), so they say nothing of the code.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def _counted(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


@contextmanager
def queries_exactly(*, sqlite: int, postgresql: int):
    """Assert that the block runs exactly ``sqlite`` queries on SQLite, ``postgresql`` on
    PostgreSQL; the captured queries are the context's value."""
    expected = {"sqlite": sqlite, "postgresql": postgresql}[connection.vendor]
    with CaptureQueriesContext(connection) as context:
        yield context
    queries = [q["sql"] for q in context.captured_queries if _counted(q["sql"])]
    if len(queries) != expected:
        itemized = "\n".join(f"{i}. {sql}" for i, sql in enumerate(queries, 1))
        pytest.fail(f"{len(queries)} queries on {connection.vendor}, {expected} expected:\n{itemized}", pytrace=False)
