"""Encrypt every channel's credentials again with the first key of CREDENTIALS_KEYS.

Rotation: put the new key first in CREDENTIALS_KEYS (keep the old ones after it), restart the
processes, run this command, then remove the old keys.
"""

from django.core.management.base import BaseCommand

from crm.fields import reencrypt
from crm.models import Channel


class Command(BaseCommand):
    help = "Re-encrypt every channel's credentials with the first key of CREDENTIALS_KEYS."

    def handle(self, *args, **options):
        count = reencrypt(Channel.objects.all(), "credentials")
        self.stdout.write(f"Re-encrypted the credentials of {count} channel(s) with the first key.")
