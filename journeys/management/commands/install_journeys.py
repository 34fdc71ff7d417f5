from django.core.management.base import BaseCommand, CommandError

from crm.errors import ApplicationError
from crm.models import Tenant
from journeys.services.ready_made import READY_MADE, journey_install


class Command(BaseCommand):
    help = "Install ready-made journeys (cart abandonment, delivery slot, ...) for a tenant."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="tenant slug")
        parser.add_argument(
            "journeys", nargs="*", metavar="JOURNEY", help=f"one or more of: {', '.join(READY_MADE)} (default: all)"
        )

    def handle(self, *args, tenant, journeys, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant {tenant!r}.")
        slugs = list(READY_MADE) if journeys in ([], ["all"]) else journeys
        for slug in slugs:
            try:
                journey, created = journey_install(tenant=found, slug=slug)
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            state = "installed" if created else "already installed"
            self.stdout.write(f"{slug}: {state} (journey {journey.pk}).")
