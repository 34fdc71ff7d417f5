from django.core.management.base import BaseCommand, CommandError

from crm.errors import ApplicationError
from crm.models import Mode
from crm.services.tenants import tenant_create


class Command(BaseCommand):
    help = "Create a tenant (business)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--mode", choices=Mode.values, default=Mode.MULTICHANNEL)

    def handle(self, *args, slug, name, mode, **options):
        try:
            tenant = tenant_create(slug=slug, name=name, mode=mode, by="manage.py create_tenant")
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created tenant {tenant.slug} ({tenant.mode}).")
