"""The security cases every webhook adapter's tests inherit (anymail's webhook_cases idea).

A subclass names its provider and says how to build a valid request and how to sign it;
these tests then prove: no or bad signature → 403 and nothing written; the right
signature → accepted; during a rotation the previous secret is still accepted.
"""

from __future__ import annotations

import pytest

from tests.factories import ChannelFactory

from .helpers import basic_auth, post, row_counts


class WebhookSecurityCases:
    provider: str
    kind: str
    secret_name: str  # the credentials key holding the secret
    content_type: str = "application/json"

    def credentials(self, secret: str) -> dict:
        return {self.secret_name: secret}

    def body(self, channel) -> bytes | dict:
        raise NotImplementedError

    def sign(self, channel, body, secret: str) -> tuple[dict, bytes | dict]:
        """The headers and body authenticating ``body`` with ``secret``."""
        raise NotImplementedError

    @pytest.fixture
    def sec_channel(self, tenant):
        return ChannelFactory(
            tenant=tenant,
            kind=self.kind,
            provider=self.provider,
            address=self.address(),
            credentials=self.credentials("current-secret-0123456789"),
        )

    def address(self) -> str:
        return ""

    def _post(self, client, channel, secret: str | None):
        body = self.body(channel)
        headers, body = self.sign(channel, body, secret) if secret else ({}, body)
        return post(client, channel, body, self.content_type, headers)

    def test_missing_signature_is_403_and_writes_nothing(self, client, sec_channel):
        before = row_counts()
        response = self._post(client, sec_channel, None)
        assert response.status_code == 403
        assert row_counts() == before

    def test_wrong_secret_is_403_and_writes_nothing(self, client, sec_channel):
        before = row_counts()
        response = self._post(client, sec_channel, "someone-elses-secret")
        assert response.status_code == 403
        assert row_counts() == before

    def test_valid_signature_is_accepted(self, client, sec_channel):
        response = self._post(client, sec_channel, "current-secret-0123456789")
        assert response.status_code == 200, response.content

    def test_previous_secret_is_accepted_during_rotation(self, client, sec_channel):
        sec_channel.credentials = {
            **self.credentials("new-secret-9876543210"),
            **{f"previous_{k}": v for k, v in self.credentials("current-secret-0123456789").items()},
        }
        sec_channel.save()
        assert self._post(client, sec_channel, "current-secret-0123456789").status_code == 200
        assert self._post(client, sec_channel, "new-secret-9876543210").status_code == 200


class AnymailBasicAuthCases(WebhookSecurityCases):
    """An ESP whose webhooks anymail authenticates by basic auth (``webhook_secret``)."""

    kind, secret_name = "email", "webhook_secret"

    def credentials(self, secret: str) -> dict:
        return {"webhook_secret": f"anymail:{secret}"}

    def sign(self, channel, body, secret: str):
        return basic_auth(f"anymail:{secret}"), body
