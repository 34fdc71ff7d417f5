"""A Dovecot started for these tests (skipped where Dovecot is not installed), a mailbox user
per test, an aiosmtpd server capturing what is sent, and the mailbox channel joining them."""

from __future__ import annotations

import os

import pytest
from imapclient import IMAPClient

from tests.factories import ChannelFactory

from .servers import DOVECOT, Dovecot, SmtpSink

PASSWORD = "s3cret-pass"


@pytest.fixture(scope="session")
def dovecot():
    if not os.access(DOVECOT, os.X_OK):
        pytest.skip(f"{DOVECOT} is not installed (Debian package dovecot-imapd)")
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _short_timeouts(settings):
    settings.MAILBOX_TIMEOUT = 5.0  # a server that does not answer fails the test fast


@pytest.fixture
def mail_user(dovecot):
    return dovecot.add_user(password=PASSWORD, token="ya29.test-access-token")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def imap(dovecot, mail_user):
    """The test's own IMAP session on the mailbox (to put mail in it and look at it)."""
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    client.login(mail_user, PASSWORD)
    yield client
    client.logout()


@pytest.fixture
def credentials(dovecot, mail_user, smtp_sink):
    smtp_sink.users[mail_user] = PASSWORD
    return {
        "imap_host": "127.0.0.1",
        "imap_port": str(dovecot.port),
        "imap_security": "none",
        "username": mail_user,
        "password": PASSWORD,
        "smtp_host": "127.0.0.1",
        "smtp_port": str(smtp_sink.port),
        "smtp_security": "none",
    }


@pytest.fixture
def mailbox_channel(tenant, credentials, mail_user):
    return ChannelFactory(
        tenant=tenant, kind="email", provider="imap", name="Support mailbox", address=mail_user, credentials=credentials
    )
