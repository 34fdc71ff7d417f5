"""WhatsApp templates: synced from the provider, resolved for a send, and the template part of
the provider's request.

Outside the 24-hour customer-care window WhatsApp delivers only a template the provider
approved. ``template_sync`` reads a channel's templates from its provider (Meta: ``GET
/{waba_id}/message_templates`` with paging; Twilio: ``GET /v1/Content`` with paging, then each
content's WhatsApp approval) and keeps them as ``MessageTemplate`` rows. ``template_resolve``
checks a template named in a reply or a journey step and gives the text the customer reads
(the body with its ``{{1}}``... filled) and the message's ``metadata["template"]``, which the
adapters turn into their request (``meta_template`` and ``twilio_content``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.models import MessageTemplate
from crm.errors import ApplicationError
from crm.models import Channel

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
#: pages read from a provider at most (a loop in its paging cannot keep us reading)
MAX_PAGES = 100
MAX_PARAMS = 20


class TemplateSyncError(ApplicationError):
    """The provider could not be read: 502 with its reason."""

    status_code = 502


def _get(url: str, *, base: str, **kwargs) -> dict:
    """GET a JSON page of the provider; only URLs under its configured base (its paging links)."""
    if not url.startswith(base.rstrip("/") + "/") or urlsplit(url).netloc != urlsplit(base).netloc:
        raise TemplateSyncError(_("The provider's paging leads elsewhere."), {"provider": [url[:200]]})
    try:
        response = requests.get(url, timeout=settings.CHANNELS_SEND_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise TemplateSyncError(_("The provider cannot be reached."), {"provider": [type(exc).__name__]}) from None
    if response.status_code != 200:
        raise TemplateSyncError(
            _("The provider answered %(code)s.") % {"code": response.status_code},
            {"provider": [response.text[:300]]},
        )
    try:
        data = response.json()
    except ValueError:
        raise TemplateSyncError(_("The provider's answer is not JSON."), {"provider": ["not JSON"]}) from None
    if not isinstance(data, dict):
        raise TemplateSyncError(_("The provider's answer is not JSON."), {"provider": ["not an object"]})
    return data


def placeholders(body: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(body or "")))


def _meta_templates(channel: Channel) -> Iterator[dict]:
    creds = channel.credentials
    if not creds.get("waba_id") or not creds.get("access_token"):
        raise ApplicationError(
            _("The channel needs 'waba_id' and 'access_token' to read its templates."),
            {"credentials": ["'waba_id' and 'access_token' are required to sync templates"]},
        )
    base = settings.META_GRAPH_BASE_URL
    url = f"{base.rstrip('/')}/{creds['waba_id']}/message_templates?limit=100"
    headers = {"Authorization": f"Bearer {creds['access_token']}"}
    for _page in range(MAX_PAGES):
        data = _get(url, base=base, headers=headers)
        for item in data.get("data") or []:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            components = item.get("components") if isinstance(item.get("components"), list) else []
            body = next((str(c.get("text", "")) for c in components if str(c.get("type", "")).upper() == "BODY"), "")
            yield {
                "name": str(item["name"]),
                "language": str(item.get("language", "")),
                "category": str(item.get("category", "")).lower(),
                "status": str(item.get("status", "")).lower(),
                "body": body,
                "provider_id": str(item.get("id", "")),
            }
        url = (data.get("paging") or {}).get("next")
        if not url:
            return


def _twilio_templates(channel: Channel) -> Iterator[dict]:
    sid, token = channel.credentials.get("account_sid"), channel.credentials.get("auth_token")
    if not sid or not token:
        raise ApplicationError(
            _("The channel needs 'account_sid' and 'auth_token' to read its templates."),
            {"credentials": ["'account_sid' and 'auth_token' are required to sync templates"]},
        )
    base = settings.TWILIO_CONTENT_BASE_URL
    url = f"{base.rstrip('/')}/v1/Content?PageSize=100"
    for _page in range(MAX_PAGES):
        data = _get(url, base=base, auth=(sid, token))
        for item in data.get("contents") or []:
            if not isinstance(item, dict) or not item.get("sid"):
                continue
            approval = _get(
                f"{base.rstrip('/')}/v1/Content/{item['sid']}/ApprovalRequests", base=base, auth=(sid, token)
            )
            whatsapp = approval.get("whatsapp") if isinstance(approval.get("whatsapp"), dict) else {}
            types = item.get("types") if isinstance(item.get("types"), dict) else {}
            text = types.get("twilio/text") if isinstance(types.get("twilio/text"), dict) else {}
            yield {
                "name": str(whatsapp.get("name") or item.get("friendly_name") or item["sid"]),
                "language": str(item.get("language", "")),
                "category": str(whatsapp.get("category", "")).lower(),
                "status": str(whatsapp.get("status") or "unsubmitted").lower(),
                "body": str(text.get("body", "")),
                "provider_id": str(item["sid"]),
            }
        url = (data.get("meta") or {}).get("next_page_url")
        if not url:
            return


SOURCES = {"meta": _meta_templates, "twilio": _twilio_templates}


def template_list(*, channel: Channel):
    return MessageTemplate.objects.filter(tenant_id=channel.tenant_id, channel=channel).order_by("name", "language")


def template_sync(*, channel: Channel) -> list[MessageTemplate]:
    """Read the channel's templates from its provider and keep them (added, changed, and those
    the provider no longer lists removed); the provider is read whole before anything is written."""
    source = SOURCES.get(channel.provider)
    if source is None or channel.kind != "whatsapp":
        raise ApplicationError(
            _("Only WhatsApp channels of Meta or Twilio have templates."), {"channel": ["no templates to sync"]}
        )
    read = {(t["name"][:512], t["language"][:16]): t for t in source(channel)}
    now = timezone.now()
    with transaction.atomic():
        template_list(channel=channel).exclude(
            pk__in=[t.pk for t in template_list(channel=channel) if (t.name, t.language) in read]
        ).delete()
        for (name, language), item in read.items():
            MessageTemplate.objects.update_or_create(
                tenant_id=channel.tenant_id,
                channel=channel,
                name=name,
                language=language,
                defaults={
                    "category": item["category"][:32],
                    "status": item["status"][:32],
                    "body": item["body"],
                    "parameters": placeholders(item["body"]),
                    "provider_id": item["provider_id"][:64],
                    "synced_at": now,
                },
            )
    return list(template_list(channel=channel))


def template_fill(body: str, params: list[str]) -> str:
    """The body as the customer reads it: ``{{1}}``, ``{{2}}``... replaced by the params."""
    names = placeholders(body)
    values = dict(zip(names, params, strict=False))
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def template_resolve(*, channel: Channel, name: str, language: str, params: list[str]) -> tuple[str, dict]:
    """The text and ``metadata["template"]`` of a message sending the approved template ``name``
    in ``language`` with ``params``; a 400 naming ``template`` or ``params`` otherwise."""
    if not isinstance(params, list) or len(params) > MAX_PARAMS or not all(isinstance(p, str) for p in params):
        raise ApplicationError(
            _("'params' must be a list of at most %(n)s texts.") % {"n": MAX_PARAMS}, {"params": ["a list of texts"]}
        )
    template = template_list(channel=channel).filter(name=name, language=language).first()
    if template is None or not template.approved:
        state = _("unknown") if template is None else template.status
        raise ApplicationError(
            _("No approved template %(name)s (%(language)s) on this channel (%(state)s); sync the templates first.")
            % {"name": name, "language": language, "state": state},
            {"template": [f"no approved template {name!r} in {language!r} ({state})"]},
        )
    if len(params) != len(template.parameters):
        raise ApplicationError(
            _("The template %(name)s takes %(n)s parameters.") % {"name": name, "n": len(template.parameters)},
            {"params": [f"{len(template.parameters)} expected, {len(params)} given"]},
        )
    metadata = {
        "name": name,
        "language": language,
        "params": params,
        "variables": dict(zip(template.parameters, params, strict=True)),
        "provider_id": template.provider_id,
    }
    return template_fill(template.body, params) or name, metadata


def meta_template(template: dict) -> dict:
    """The Cloud API message body's ``type: template`` part (with the body's parameters)."""
    part: dict = {"name": template["name"], "language": {"code": template["language"]}}
    if template.get("params"):
        part["components"] = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in template["params"]]}]
    return {"type": "template", "template": part}


def twilio_content(template: dict) -> dict:
    """Twilio's ``ContentSid`` and ``ContentVariables`` (``{"1": ..., "2": ...}``)."""
    variables = template.get("variables") or {str(i): v for i, v in enumerate(template.get("params") or [], 1)}
    return {"content_sid": template["provider_id"], "content_variables": json.dumps(variables)}
