from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self) -> None:
        from crm.signals import contact_merging

        from .services.enrollments import enrollments_merge_prepare

        def exit_duplicate_enrollments(sender, *, tenant, kept, other, at, **kwargs):
            enrollments_merge_prepare(tenant=tenant, kept=kept, other=other, at=at)

        contact_merging.connect(exit_duplicate_enrollments, dispatch_uid="journeys.merge", weak=False)
