"""The simulated customers send a photo with some first messages, stored like any file."""

from __future__ import annotations

import pytest

from crm.models import Attachment, Message
from simulator.customers import PHOTO_SHARE_PERCENT, _photo_for

from .test_simulator import _simulate_and_compare


def test_the_share_of_photos_is_chosen_from_the_message_id():
    chosen = sum(bool(_photo_for(f"sim-x-{i}")) for i in range(2000))
    assert abs(chosen / 2000 - PHOTO_SHARE_PERCENT / 100) < 0.03
    assert _photo_for("sim-x-1") == _photo_for("sim-x-1")


@pytest.mark.django_db
def test_a_simulation_stores_the_customers_photos(monkeypatch):
    monkeypatch.setattr("simulator.customers.PHOTO_SHARE_PERCENT", 100)  # every first message of a need
    _simulate_and_compare(experiment=None)
    photos = Attachment.objects.filter(message__direction="inbound")
    assert photos.exists()
    assert {(a.filename, a.content_type, a.status) for a in photos} == {("delivery-notice.png", "image/png", "stored")}
    assert photos.count() <= Message.objects.filter(direction="inbound").count()
