from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self) -> None:
        from crm.models import Contact, Event
        from crm.signals import contact_erasing, contact_merging, contact_panels, event_recorded
        from crm.views.panels import ContactPanel

        from .selectors import contact_journey_rows
        from .services.enrollments import (
            enrollments_contact_erase,
            enrollments_merge_prepare,
            enrollments_on_event,
            journeys_contact_move,
        )

        def merge_journey_rows(sender, *, tenant, kept, other, at, **kwargs):
            enrollments_merge_prepare(tenant=tenant, kept=kept, other=other, at=at)
            return journeys_contact_move(tenant=tenant, kept=kept, other=other)

        def apply_event(sender, *, event, **kwargs):
            return [enrollment.journey_id for enrollment in enrollments_on_event(event=event)]

        def erase_journey_rows(sender, *, tenant, contact, at, **kwargs):
            enrollments_contact_erase(tenant=tenant, contact=contact, at=at)

        def journeys_panel(sender, *, tenant, contact, **kwargs):
            enrollments, offers = contact_journey_rows(tenant=tenant, contact_id=contact.pk)
            return ContactPanel("journeys/contact_panel.html", {"enrollments": enrollments, "offers": offers}, order=20)

        contact_panels.connect(journeys_panel, sender=Contact, dispatch_uid="journeys.panel", weak=False)
        contact_merging.connect(merge_journey_rows, sender=Contact, dispatch_uid="journeys.merge", weak=False)
        contact_erasing.connect(erase_journey_rows, sender=Contact, dispatch_uid="journeys.erase", weak=False)
        event_recorded.connect(apply_event, sender=Event, dispatch_uid="journeys.event", weak=False)
