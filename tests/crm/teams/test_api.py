"""``/teams/``, a channel's ``team`` and ``PUT /availability/``."""

from django.contrib.auth import get_user_model

from crm.models import Membership, Team
from tests.crm.helpers import inbound
from tests.factories import TenantFactory


def test_team_crud_and_a_routed_channel(tenant, manager_api, admin_api, api, channels, agents):
    body = {"name": "Support", "members": [agents[0].pk, agents[1].pk], "assignment": "round_robin"}
    created = manager_api.post("/api/v1/teams/", body, format="json")
    assert created.status_code == 201, created.content
    team = created.json()
    assert team["members"] == [agents[0].pk, agents[1].pk] and team["max_open_per_agent"] is None
    patched = manager_api.patch(
        f"/api/v1/teams/{team['id']}/", {"members": [agents[2].pk], "max_open_per_agent": 5}, format="json"
    )
    assert patched.json()["members"] == [agents[2].pk] and patched.json()["max_open_per_agent"] == 5
    channel = admin_api.patch(f"/api/v1/channels/{channels['sms'].pk}/", {"team": team["id"]}, format="json")
    assert channel.status_code == 200 and channel.json()["team"] == team["id"]
    ticket = inbound(api, channels["sms"], "+33612345678", "hello").json()["ticket"]
    assert api.get(f"/api/v1/tickets/{ticket}/").json()["assignee"] == agents[2].pk
    assert api.get("/api/v1/teams/").json()["results"][0]["name"] == "Support"
    assert manager_api.delete(f"/api/v1/teams/{team['id']}/").status_code == 204
    assert api.get(f"/api/v1/channels/{channels['sms'].pk}/").json()["team"] is None


def test_bad_input_is_a_400_and_changes_nothing(tenant, manager_api, admin_api, channels, agents):
    stranger = get_user_model().objects.create_user("stranger")
    bad = manager_api.post("/api/v1/teams/", {"name": "X", "members": [stranger.pk]}, format="json")
    assert bad.status_code == 400 and "members" in bad.json()["errors"]
    assert manager_api.post("/api/v1/teams/", {"name": "X", "assignment": "lottery"}, format="json").status_code == 400
    assert not Team.objects.exists()
    other = Team.objects.create(tenant=TenantFactory(), name="Theirs")
    refused = admin_api.patch(f"/api/v1/channels/{channels['sms'].pk}/", {"team": other.pk}, format="json")
    assert refused.status_code == 400 and "team" in refused.json()["errors"]
    assert manager_api.get(f"/api/v1/teams/{other.pk}/").status_code == 404
    manager_api.post("/api/v1/teams/", {"name": "Dup"}, format="json")
    assert manager_api.post("/api/v1/teams/", {"name": "Dup"}, format="json").status_code == 409


def test_agents_read_teams_but_do_not_change_them(api):
    assert api.get("/api/v1/teams/").status_code == 200
    assert api.post("/api/v1/teams/", {"name": "X"}, format="json").status_code == 403


def test_availability_through_the_api(tenant, manager_api, api, agents):
    response = manager_api.put("/api/v1/availability/", {"user": agents[0].pk, "availability": "away"}, format="json")
    assert response.status_code == 200 and response.json()["availability"] == "away"
    assert Membership.objects.get(tenant=tenant, user=agents[0]).availability == "away"
    assert (
        api.put("/api/v1/availability/", {"user": agents[0].pk, "availability": "online"}, format="json").status_code
        == 403
    )
    bad = manager_api.put("/api/v1/availability/", {"user": agents[0].pk, "availability": "asleep"}, format="json")
    assert bad.status_code == 400
    stranger = get_user_model().objects.create_user("stranger")
    assert (
        manager_api.put(
            "/api/v1/availability/", {"user": stranger.pk, "availability": "away"}, format="json"
        ).status_code
        == 400
    )
