"""Shared fixtures: tenants with API clients for each role, channels of every kind."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm.services.tenants import api_key_create
from tests.factories import ChannelFactory, TenantFactory


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if "postgres" in item.keywords and "postgresql" not in engine:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "worker" in item.keywords and not settings.CELERY_BROKER_URL:
            item.add_marker(pytest.mark.skip(reason="needs a Celery broker (set CELERY_BROKER_URL)"))


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Each test starts in the project's language: a request served in French (the locale
    middleware activates it in the thread) must not leave the next test of this worker French."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker_test(request):
    """Tasks run in-process in tests, even with a broker configured, except in the tests
    that start a real worker (marked ``worker``), which need the real broker."""
    from config.celery import app

    eager = "worker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def tenant(db):
    return TenantFactory(mode="omnichannel")


def _client(tenant, role):
    _, raw = api_key_create(tenant=tenant, role=role, label=f"test {role}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def api(tenant):
    """An agent's API client for ``tenant``."""
    return _client(tenant, "agent")


@pytest.fixture
def manager_api(tenant):
    return _client(tenant, "manager")


@pytest.fixture
def admin_api(tenant):
    return _client(tenant, "admin")


@pytest.fixture
def make_api():
    return _client


@pytest.fixture
def channels(tenant):
    """One console channel of each kind the stories use."""
    return {
        kind: ChannelFactory(tenant=tenant, kind=kind, name=f"{kind} main")
        for kind in ("email", "sms", "whatsapp", "webchat", "store", "push")
    }


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
