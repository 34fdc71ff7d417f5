import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership


@pytest.fixture
def agents(tenant):
    """Three staff members of ``tenant``, online."""
    users = [get_user_model().objects.create_user(f"agent{i}", password="x") for i in range(3)]
    for user in users:
        Membership.objects.create(tenant=tenant, user=user, role="agent")
    return users
