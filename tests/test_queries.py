"""``queries_exactly`` fails on any other count than the one given for the backend in use, and
lists the queries the block ran."""

import pytest

from crm.models import Tenant

from .queries import queries_exactly

pytestmark = pytest.mark.django_db


def test_the_exact_count_passes():
    with queries_exactly(sqlite=1, postgresql=1):
        Tenant.objects.count()


@pytest.mark.parametrize("expected", [0, 2])
def test_another_count_fails_and_lists_the_queries(expected):
    with pytest.raises(pytest.fail.Exception, match=rf"1 queries on \w+, {expected} expected:\n1\. SELECT COUNT"):
        with queries_exactly(sqlite=expected, postgresql=expected):
            Tenant.objects.count()


def test_savepoints_are_not_counted():
    from django.db import transaction

    with queries_exactly(sqlite=1, postgresql=1):
        with transaction.atomic():
            Tenant.objects.count()
