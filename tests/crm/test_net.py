"""Outbound HTTP to URLs a tenant typed refuses loopback, private and link-local targets
(contract, "private targets"), unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set."""

import socket
from types import SimpleNamespace

import pytest

from channels_app.adapters.generic_signed import SignedWebhookAdapter
from channels_app.errors import PermanentProviderError
from crm.models import Channel, ChannelKind
from crm.net import UnsafeTarget, address_allowed, guarded_session, target_check
from tests.channels_app.sink import Sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::5",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
    ],
)
def test_inner_addresses_are_refused(guarded, address):
    assert not address_allowed(address)


def test_public_addresses_are_allowed(guarded):
    assert address_allowed("93.184.216.34")
    assert address_allowed("2606:2800:220:1:248:1893:25c8:1946")


def test_the_setting_allows_inner_addresses(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert address_allowed("127.0.0.1")
    target_check("http://127.0.0.1:9/hook")


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1/hook", "loopback, private or link-local"),
        ("http://localhost:8000/hook", "loopback, private or link-local"),
        ("http://[::1]/hook", "loopback, private or link-local"),
        ("http://169.254.169.254/latest/meta-data/", "loopback, private or link-local"),
        ("http://2130706433/", "loopback, private or link-local"),  # 127.0.0.1 as one number
        ("ftp://example.com/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http:///nohost", "no host"),
        ("http://example.com:99999/", "port"),
        ("http://no-such-host.invalid/", "does not resolve"),
    ],
)
def test_target_check_names_the_reason(guarded, url, reason):
    with pytest.raises(UnsafeTarget, match=reason):
        target_check(url)


def test_a_name_resolving_to_a_public_address_passes(guarded, monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    )
    target_check("https://hooks.example.com/in")


def test_guarded_session_refuses_at_connection(guarded):
    """A name that resolved to a public address when typed can resolve to loopback later (DNS
    rebinding): the address actually connected to is checked."""
    with Sink() as sink, pytest.raises(UnsafeTarget, match="127.0.0.1"):
        guarded_session().post(sink.url, json={}, timeout=5)
    assert sink.requests == []


def test_guarded_session_connects_when_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Sink() as sink:
        guarded_session().post(sink.url, json={"a": 1}, timeout=5)
        assert len(sink.requests) == 1


def _webhook_channel(tenant, url):
    return Channel.objects.create(
        tenant=tenant,
        kind=ChannelKind.SMS,
        name="hook",
        provider="webhook",
        credentials={"secret": "s3cret", "outbound_url": url},
    )


def test_webhook_send_to_a_loopback_address_is_a_permanent_failure_before_any_byte(guarded, tenant):
    with Sink() as sink:
        channel = _webhook_channel(tenant, sink.url)
        message = SimpleNamespace(pk=1, to_address="+33612345678", text="hello", subject="")
        with pytest.raises(PermanentProviderError, match="outbound_url refused"):
            SignedWebhookAdapter().send(channel=channel, message=message)
        assert sink.requests == []


def test_webhook_send_reaches_loopback_when_allowed(settings, tenant):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Sink() as sink:
        channel = _webhook_channel(tenant, sink.url)
        message = SimpleNamespace(pk=2, to_address="+33612345678", text="hello", subject="")
        SignedWebhookAdapter().send(channel=channel, message=message)
        assert len(sink.requests) == 1


def test_channel_api_refuses_a_private_outbound_url(guarded, tenant, admin_api):
    client = admin_api
    response = client.post(
        "/api/v1/channels/",
        {
            "kind": "sms",
            "name": "hook",
            "provider": "webhook",
            "credentials": {"secret": "s3cret", "outbound_url": "http://169.254.169.254/x"},
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "outbound_url" in str(response.json())
    assert not Channel.objects.filter(tenant=tenant, name="hook").exists()
