from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from crm.models import Attachment, Contact
        from crm.services.attachments import attachment_deleted, attachments_erase
        from crm.signals import contact_erasing

        def erase_attachments(sender, *, tenant, contact, **kwargs):
            attachments_erase(tenant=tenant, contact=contact)

        post_delete.connect(attachment_deleted, sender=Attachment, dispatch_uid="crm.attachment_file")
        contact_erasing.connect(erase_attachments, sender=Contact, dispatch_uid="crm.erase_attachments", weak=False)
