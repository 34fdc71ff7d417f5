"""Model fields: JSON encrypted at rest.

``EncryptedJSONField`` stores a JSON value as one Fernet token (AES-128-CBC and HMAC-SHA256, the
``cryptography`` package) in a text column, so the database, its backups and its logs never hold
the value in clear. The keys come from the ``CREDENTIALS_KEYS`` setting: the first encrypts, every
one decrypts (MultiFernet), which lets a key be rotated without downtime
(``manage.py rotate_credentials_key``). The column cannot be searched or filtered on.
"""

from __future__ import annotations

import functools
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The keys of the ``CREDENTIALS_KEYS`` setting (read each time, cached by value)."""
    return _fernet(tuple(settings.CREDENTIALS_KEYS))


def encrypt_json(value) -> str:
    return fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str):
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with any key of CREDENTIALS_KEYS: "
            "the key it was encrypted with is missing."
        ) from None


def reencrypt(queryset, field_name: str) -> int:
    """Encrypt ``field_name`` again with the first key, in every row of ``queryset`` (locked while
    rewritten, so a concurrent change is not overwritten); returns the number of rows."""
    with transaction.atomic(using=queryset.db):
        rows = list(queryset.select_for_update().values_list("pk", field_name))
        for pk, value in rows:
            queryset.filter(pk=pk).update(**{field_name: value})
    return len(rows)


class EncryptedJSONField(models.JSONField):
    """A ``JSONField`` (same Python values, forms and serializers) stored encrypted in text."""

    def get_internal_type(self) -> str:
        return "TextField"  # the column: text, without the JSON check of a JSONField

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt_json(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        return encrypt_json(value)

    def get_transform(self, name):
        return models.Field.get_transform(self, name)  # no key lookups into ciphertext
