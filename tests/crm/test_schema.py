"""The schema's rules for tenant-owned tables: reached per tenant, written without waste."""

import pytest
from django.apps import apps
from django.db import connection

from crm.models.base import TenantOwned

pytestmark = pytest.mark.django_db

TENANT_OWNED = [m for m in apps.get_models() if issubclass(m, TenantOwned)]


def _indexes(model, *, partial: bool = True) -> list[list[str]]:
    """Column lists of the table's indexes and unique constraints (``partial=False``: only those
    covering every row)."""
    conditional = {i.name for i in [*model._meta.indexes, *model._meta.constraints] if getattr(i, "condition", None)}
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        c["columns"]
        for name, c in found.items()
        if (c["index"] or c["unique"]) and (partial or name not in conditional)
    ]


@pytest.mark.parametrize("model", TENANT_OWNED, ids=lambda m: m._meta.label)
def test_every_tenant_owned_table_is_indexed_by_tenant_first(model):
    """Every query of the product names the tenant, and sharding by tenant follows them."""
    assert any(columns[0] == "tenant_id" for columns in _indexes(model))


@pytest.mark.parametrize("model", TENANT_OWNED, ids=lambda m: m._meta.label)
def test_no_tenant_owned_table_pays_for_an_index_another_one_covers(model):
    """An index whose columns lead another index (over every row) serves no query the longer
    one does not, and costs every insert (and every update that cannot stay on its page)."""
    full = _indexes(model, partial=False)
    for columns in _indexes(model):
        longer = [other for other in full if len(other) > len(columns) and other[: len(columns)] == columns]
        assert not longer, f"{model._meta.db_table}: the index on {columns} is covered by {longer}"
