"""Story 2: an offer issued by e-mail, redeemed at the store's till."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from crm.errors import NotFoundError
from journeys.models import Offer, OfferRedemption
from journeys.services.offers import offer_issue, offer_redeem

from .conftest import T0, set_mode


def _redeem(api, code, channel):
    return api.post("/api/v1/offers/redeem/", {"code": code, "channel": channel.pk}, format="json")


def _issue(api, customer, channel, **extra):
    response = api.post(
        "/api/v1/offers/", {"contact": customer.pk, "issued_channel": channel.pk, **extra}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["code"]


@pytest.mark.django_db
def test_email_offer_at_the_store_accepted_in_omnichannel_once(tenant, api, channels, customer):
    set_mode(tenant, "omnichannel")
    code = _issue(api, customer, channels["email"], description="10% off")
    first = _redeem(api, code, channels["store"])
    assert first.status_code == 200 and first.json()["accepted"] is True
    second = _redeem(api, code, channels["email"])
    assert second.json() == {**second.json(), "accepted": False, "reason": "already_redeemed"}
    offer = Offer.objects.get(code=code)
    assert offer.redeemed_channel_id == channels["store"].pk
    assert list(OfferRedemption.objects.order_by("pk").values_list("accepted", "reason", "mode")) == [
        (True, "accepted", "omnichannel"),
        (False, "already_redeemed", "omnichannel"),
    ]


@pytest.mark.django_db
def test_email_offer_at_the_store_refused_in_multichannel(tenant, api, channels, customer):
    set_mode(tenant, "multichannel")
    code = _issue(api, customer, channels["email"], code="SPRING-10")
    assert code == "SPRING-10"
    refused = _redeem(api, code, channels["store"])
    assert refused.json()["accepted"] is False and refused.json()["reason"] == "channel_not_allowed"
    assert Offer.objects.get(code=code).redeemed_at is None
    assert _redeem(api, code, channels["email"]).json()["accepted"] is True


@pytest.mark.django_db
def test_crosschannel_accepts_on_linked_channels_only(tenant, channels, customer):
    set_mode(tenant, "crosschannel")
    tenant.offer_links = {"email": ["store"]}
    tenant.save()
    offer = offer_issue(tenant=tenant, contact=customer, channel=channels["email"], at=T0)
    assert offer_redeem(tenant=tenant, code=offer.code, channel=channels["sms"], at=T0).reason == "channel_not_allowed"
    assert offer_redeem(tenant=tenant, code=offer.code, channel=channels["store"], at=T0).accepted


@pytest.mark.django_db
def test_expired_offer_is_refused_and_recorded(tenant, channels, customer):
    offer = offer_issue(
        tenant=tenant, contact=customer, channel=channels["email"], at=T0, expires_at=T0 + timedelta(days=1)
    )
    attempt = offer_redeem(tenant=tenant, code=offer.code, channel=channels["email"], at=T0 + timedelta(days=2))
    assert (attempt.accepted, attempt.reason) == (False, "expired")
    with pytest.raises(NotFoundError):
        offer_redeem(tenant=tenant, code="NOPE", channel=channels["email"])


@pytest.mark.django_db
def test_bad_offer_input_is_a_clear_4xx_and_writes_nothing(tenant, api, channels, customer, make_api):
    other_api = make_api(type(tenant).objects.create(slug="other", name="Other"), "agent")
    assert (
        api.post("/api/v1/offers/", {"contact": customer.pk, "issued_channel": 999999}, format="json").status_code
        == 400
    )
    assert (
        other_api.post(
            "/api/v1/offers/", {"contact": customer.pk, "issued_channel": channels["email"].pk}, format="json"
        ).status_code
        == 400
    )
    code = _issue(api, customer, channels["email"], code="DUPLICATE")
    again = api.post(
        "/api/v1/offers/", {"contact": customer.pk, "issued_channel": channels["email"].pk, "code": code}, format="json"
    )
    assert again.status_code == 409
    assert _redeem(other_api, code, channels["store"]).status_code == 400  # a foreign channel
    assert (
        api.post(
            "/api/v1/offers/redeem/", {"code": "UNKNOWN", "channel": channels["store"].pk}, format="json"
        ).status_code
        == 404
    )
    assert Offer.objects.count() == 1 and not OfferRedemption.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_redemptions_accept_exactly_one(tenant, channels, customer):
    offer = offer_issue(tenant=tenant, contact=customer, channel=channels["email"])
    barrier = threading.Barrier(8)
    results, errors = [], []

    def redeem():
        try:
            barrier.wait()
            results.append(offer_redeem(tenant=tenant, code=offer.code, channel=channels["store"]).accepted)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]
    assert OfferRedemption.objects.filter(offer=offer).count() == 8
    assert OfferRedemption.objects.filter(offer=offer, accepted=True).count() == 1
