from django.core.management.base import BaseCommand, CommandError

from crm.models import Role, Tenant
from crm.services.tenants import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a tenant; the key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--role", choices=Role.values, default=Role.AGENT)
        parser.add_argument("--label", default="")

    def handle(self, *args, slug, role, label, **options):
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        key, raw = api_key_create(tenant=tenant, role=role, label=label, by="manage.py create_api_key")
        self.stderr.write(f"API key {key.prefix}… ({role}) for {tenant.slug}; it is shown only once:")
        self.stdout.write(raw)
