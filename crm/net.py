"""Outbound HTTP to addresses a tenant typed: refused when they lead inside the installation.

A tenant types URLs the installation then calls: outgoing webhook subscriptions, the ``webhook``
provider's ``outbound_url``, media URLs of the messages it receives. Without a guard, such a URL
can make the installation call its own loopback, the private network it runs in, or the cloud's
metadata service (server-side request forgery). The rule (contract, "private targets"): every
address the host resolves to must be a public one, unless the installation sets
``WEBHOOK_ALLOW_PRIVATE_TARGETS=true`` (on-premises installs whose receivers sit on the private
network, and tests with receivers on loopback).

The address is checked twice:

- when the URL is typed (:func:`target_check`), so that a tenant learns at once that it is refused;
- when the connection is made (:func:`address_allowed` on the address actually connected to, in
  :func:`guarded_session` and in libcurl's socket callback), so that a name resolving to a public
  address at input and to a private one later (DNS rebinding) is refused too.

A proxy from the environment (``HTTPS_PROXY``) is the installation's own choice: the connection
then goes to the proxy, whose address is not checked; the proxy applies its own rules.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import pycurl
import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SCHEMES = ("http", "https")


class UnsafeTarget(ValueError):
    """A URL whose scheme, host or resolved addresses the installation does not call."""


def private_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def address_allowed(address: str) -> bool:
    """Whether ``address`` (an IPv4 or IPv6 literal) is one the installation may call: a public
    (globally routable) address, or any when private targets are allowed."""
    if private_targets_allowed():
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def target_check(url: str) -> None:
    """Raise :class:`UnsafeTarget` with the reason unless ``url`` is an http(s) URL whose host
    resolves only to addresses the installation may call."""
    parts = urlsplit(url or "")
    if parts.scheme not in SCHEMES:
        raise UnsafeTarget(_("the URL must start with http:// or https://"))
    host = parts.hostname
    if not host:
        raise UnsafeTarget(_("the URL has no host"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget(_("the URL's port is not a number between 0 and 65535")) from None
    if private_targets_allowed():
        return
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(_("the host %(host)s does not resolve") % {"host": host}) from None
    refused = sorted({info[4][0] for info in found if not address_allowed(info[4][0])})
    if refused:
        raise UnsafeTarget(
            _("the host %(host)s resolves to a loopback, private or link-local address (%(address)s)")
            % {"host": host, "address": refused[0]}
        )


def _checked(sock: socket.socket) -> socket.socket:
    address = sock.getpeername()[0]
    if not address_allowed(address):
        sock.close()
        raise UnsafeTarget(_("refused to connect to %(address)s: not a public address") % {"address": address})
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        return sock if self.proxy else _checked(sock)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        return sock if self.proxy else _checked(sock)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    """A requests session that connects only to addresses :func:`address_allowed` accepts,
    redirects included (each connection is checked where it is made). A refused connection
    raises :class:`UnsafeTarget` before anything is sent: callers treat it as a permanent
    failure."""
    session = requests.Session()
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def curl_opensocket(purpose, address):
    """libcurl's socket callback (``pycurl.OPENSOCKETFUNCTION``): the socket for ``address``
    when the installation may call it, else libcurl's "bad socket", which fails the transfer
    with a connection error before anything is sent."""
    family, socktype, protocol, peer = address
    if not address_allowed(peer[0]):
        return pycurl.SOCKET_BAD
    return socket.socket(family, socktype, protocol)
