from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from crm.models import Membership
from crm.services.attachments import storage


@pytest.fixture
def staff_client(client, tenant):
    """A logged-in agent of ``tenant`` (the dashboards)."""
    user = get_user_model().objects.create_user(username="agent", password="x" * 12, is_staff=True)
    Membership.objects.create(tenant=tenant, user=user, role="agent")
    client.force_login(user)
    return client


@pytest.fixture
def stored_names():
    """The names of the files the test stores can be checked in storage afterwards."""

    def exists(attachment) -> bool:
        return bool(attachment.storage_name) and storage().exists(attachment.storage_name)

    return exists
