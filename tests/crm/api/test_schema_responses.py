"""Real answers of every list and detail operation validate against the OpenAPI schema the
API publishes (``/api/schema/``), errors included: a client generated from the schema reads
what the server sends."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest

from crm.models import Attachment, Role
from crm.services.contacts import contact_create, contact_erase
from crm.services.sla import sla_policy_create
from crm.services.teams import team_create
from journeys.models import Journey
from tests.crm.helpers import inbound


def _nullable(node):
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema (jsonschema ignores ``nullable``)."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return _nullable(response.json())


def validate(schema, path, method, response):
    documented = schema["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (path, method, response.status_code, sorted(documented))
    content = documented[str(response.status_code)]["content"]
    if "application/json" not in content:  # a file (an attachment's content)
        assert "application/octet-stream" in content and not response["Content-Type"].startswith("application/json")
        return
    body = content["application/json"]["schema"]
    document = {**copy.deepcopy(body), "components": schema["components"]}
    jsonschema.validate(response.json(), document)


@pytest.fixture
def world(tenant, api, channels, manager_api):
    """One of everything, an erased contact and a ticket with messages among them."""
    contact = contact_create(tenant=tenant, name="Camille", identities=[{"kind": "email", "address": "c@example.com"}])
    erased = contact_create(tenant=tenant, name="Léo", identities=[{"kind": "phone", "address": "0698765432"}])
    contact_erase(tenant=tenant, contact=erased, by="test")
    receipt = {"filename": "receipt.txt", "content_type": "text/plain", "content_base64": "T3JkZXIgNDQxMQ=="}
    first = inbound(
        api, channels["email"], "c@example.com", "my order", subject="Order", external_id="m1", attachments=[receipt]
    ).json()
    inbound(api, channels["sms"], "+33612345678", "hello", external_id="s1")
    manager_api.patch("/api/v1/tenant/", {"mode": "crosschannel"}, format="json")
    journey = Journey.objects.create(
        tenant=tenant,
        name="j",
        trigger_event="t",
        steps=[{"type": "send", "channel": channels["sms"].pk, "purpose": "marketing", "template": "Hi"}],
    )
    from channels_app.subscriptions.services import subscription_create

    subscription = subscription_create(
        tenant=tenant, url="https://hooks.example.com/crm", events=["ticket.created"], secret="s" * 16, by="test"
    )
    from imports.models import HistoryImport

    history_import = HistoryImport.objects.create(tenant=tenant, file_name="h.csv", file_sha256="0" * 64, format="csv")
    canned = manager_api.post(
        "/api/v1/canned-responses/",
        {"shortcut": "hi", "title": "Hello", "text": "Hello {{ contact.name }}"},
        format="json",
    ).json()
    api.post(f"/api/v1/tickets/{first['ticket']}/notes/", {"text": "a note"}, format="json")
    team = team_create(tenant=tenant, name="Support", assignment="round_robin")
    policy = sla_policy_create(tenant=tenant, name="Standard", first_response_minutes=60)
    return {
        "teams": team.pk,
        "sla-policies": policy.pk,
        "canned-responses": canned["id"],
        "webhook-subscriptions": subscription.pk,
        "imports": history_import.pk,
        "channels": channels["email"].pk,
        "contacts": contact.pk,
        "tickets": first["ticket"],
        "messages": first["id"],
        "journeys": journey.pk,
        "erased": erased.pk,
        "attachments": Attachment.objects.get().pk,
    }


#: the query a GET needs to answer 200
QUERIES = {"/api/v1/comparison/plan/": "?metric=csat&mde=0.5"}


def _operations(schema):
    for path, item in schema["paths"].items():
        if "get" in item:
            yield path


def test_every_list_and_detail_answer_validates_against_the_schema(schema, make_api, tenant, world):
    client = make_api(tenant, Role.ADMIN)
    seen = set()
    for path in _operations(schema):
        collection = re.match(r"/api/v1/([a-z-]+)/", path).group(1)
        url = path.replace("{id}", str(world.get(collection, 0))) + QUERIES.get(path, "")
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        validate(schema, path, "get", response)
        seen.add(path)
        if "{id}" in path:
            missing = client.get(path.replace("{id}", "999999"))
            assert missing.status_code == 404, url
            validate(schema, path, "get", missing)
    assert {"/api/v1/contacts/", "/api/v1/tickets/{id}/messages/", "/api/v1/tenant/mode-history/"} <= seen
    erased = client.get(f"/api/v1/contacts/{world['erased']}/")
    assert erased.json()["erased_at"] is not None
    validate(schema, "/api/v1/contacts/{id}/", "get", erased)
    listed = client.get("/api/v1/contacts/")
    assert any(c["erased_at"] is None for c in listed.json()["results"])


@pytest.mark.parametrize(
    "path, url, method, body, role, status",
    [
        ("/api/v1/contacts/", "/api/v1/contacts/", "post", {"identities": [{"kind": "fax"}]}, Role.AGENT, 400),
        ("/api/v1/tenant/", "/api/v1/tenant/", "patch", {"mode": "single"}, Role.MANAGER, 400),
        ("/api/v1/tenant/", "/api/v1/tenant/", "patch", {"mode": "omnichannel"}, Role.AGENT, 403),
        ("/api/v1/tickets/", "/api/v1/tickets/?status=nope", "get", None, Role.AGENT, 400),
        ("/api/v1/channels/", "/api/v1/channels/", "post", {"kind": "sms", "name": "x"}, Role.AGENT, 403),
        ("/api/v1/contacts/{id}/merge/", "/api/v1/contacts/999999/merge/", "post", {"other": 1}, Role.AGENT, 404),
    ],
)
def test_error_answers_validate_against_the_schema(schema, make_api, tenant, path, url, method, body, role, status):
    client = make_api(tenant, role)
    response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
    assert response.status_code == status, response.content
    validate(schema, path, method, response)


def test_an_unauthenticated_answer_validates_against_the_schema(schema, client, db):
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 401
    validate(schema, "/api/v1/tickets/", "get", response)


def test_every_integer_of_a_request_body_is_bounded_in_the_schema(schema):
    """An integer without a maximum reaches a column that has one (a 500 once past it)."""
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") in ("integer", ["integer", "null"]) and "maximum" not in node and "enum" not in node:
                unbounded.append(where)
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(schema["components"]["schemas"][name], f"{where} -> {name}")
            for key, child in node.items():
                if key != "$ref":
                    walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{where}[{i}]")

    seen: set[str] = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                seen.clear()
                walk(content["schema"], f"{method} {path} body")
    assert not unbounded, unbounded
