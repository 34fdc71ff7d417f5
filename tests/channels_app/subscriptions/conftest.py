import hashlib
import hmac
import json

import pytest

from channels_app.subscriptions.services import subscription_create
from crm.services.changes import CHANGE_TYPES
from tests.channels_app.sink import Sink

SECRET = "subscription-secret-0123456789"


@pytest.fixture
def sink():
    with Sink() as receiver:
        yield receiver


@pytest.fixture
def subscribe(tenant):
    def make(url, events=CHANGE_TYPES, secret=SECRET):
        subscription = subscription_create(tenant=tenant, url=url, events=list(events), secret=secret, by="test")
        tenant.refresh_from_db()
        return subscription

    return make


def verified(request: dict, secret: str = SECRET) -> dict:
    """The envelope of a request the sink received, after checking its signature."""
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Signature"] == expected
    return json.loads(request["body"])
