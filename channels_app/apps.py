from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from crm.models import Attachment, Contact, Message
        from crm.providers import providers_connect
        from crm.signals import attachment_fetch_requested, change_published, contact_erasing, outbound_queued

        from .adapters.registry import autodiscover, registry
        from .services.erasure import webhook_payloads_erase
        from .services.outbound import outbound_enqueue
        from .subscriptions.events import on_change_published, outgoing_events_erase

        autodiscover()
        providers_connect(registry)

        def enqueue_delivery(sender, *, message, **kwargs):
            outbound_enqueue(message)

        def erase_payloads(sender, *, tenant, contact, addresses, **kwargs):
            webhook_payloads_erase(tenant=tenant, contact=contact, addresses=addresses)
            outgoing_events_erase(tenant=tenant, contact=contact)

        def fetch_media(sender, *, attachment, **kwargs):
            from django.db import transaction

            from .tasks import attachment_fetch

            transaction.on_commit(lambda: attachment_fetch.delay(attachment.pk))

        attachment_fetch_requested.connect(
            fetch_media, sender=Attachment, dispatch_uid="channels_app.fetch_media", weak=False
        )
        outbound_queued.connect(enqueue_delivery, sender=Message, dispatch_uid="channels_app.enqueue", weak=False)
        contact_erasing.connect(erase_payloads, sender=Contact, dispatch_uid="channels_app.erase", weak=False)
        change_published.connect(on_change_published, dispatch_uid="channels_app.subscriptions", weak=False)
