from django.urls import path

from . import events, journeys, offers

urlpatterns = [
    path("events/", events.EventCreateApi.as_view(), name="events"),
    path("journeys/", journeys.JourneyListApi.as_view(), name="journeys"),
    path("journeys/<int:pk>/", journeys.JourneyDetailApi.as_view(), name="journey"),
    path("journeys/<int:pk>/stats/", journeys.JourneyStatsApi.as_view(), name="journey-stats"),
    path("offers/", offers.OfferCreateApi.as_view(), name="offers"),
    path("offers/redeem/", offers.OfferRedeemApi.as_view(), name="offers-redeem"),
]
