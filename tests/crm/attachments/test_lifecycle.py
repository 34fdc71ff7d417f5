"""Files leave storage with their rows: erasure, the contact's deletion, the tenant's."""

from __future__ import annotations

from crm.models import Attachment, Message
from crm.services.contacts import contact_delete, contact_erase

from .files import PDF, PNG, item


def seed(api, channel, sender="+33612345678"):
    body = {"channel": channel.pk, "from": sender, "text": "files", "attachments": [item(PDF, "a.pdf"), item(PNG)]}
    assert api.post("/api/v1/messages/inbound/", body, format="json").status_code == 201
    return Message.objects.filter(from_address=sender).latest("pk")


def test_erasure_removes_the_contacts_files_from_storage(
    api, tenant, channels, stored_names, django_capture_on_commit_callbacks
):
    message = seed(api, channels["sms"])
    others = seed(api, channels["sms"], sender="+33698765432")
    files = list(message.attachments.all())
    assert files and all(stored_names(a) for a in files)
    with django_capture_on_commit_callbacks(execute=True):
        contact_erase(tenant=tenant, contact=message.contact, by="test")
    assert not Attachment.objects.filter(message=message).exists()
    assert not any(stored_names(a) for a in files)
    assert Message.objects.filter(pk=message.pk).exists()  # the message row stays, scrubbed
    assert all(stored_names(a) for a in others.attachments.all())  # another customer's stay


def test_erasure_through_the_api_removes_the_files(
    api, manager_api, channels, stored_names, django_capture_on_commit_callbacks
):
    message = seed(api, channels["sms"])
    files = list(message.attachments.all())
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_api.post(f"/api/v1/contacts/{message.contact_id}/erase/").status_code == 200
    assert not any(stored_names(a) for a in files)
    assert api.get(f"/api/v1/attachments/{files[0].pk}/content/").status_code == 404


def test_deleting_the_contact_removes_its_files(
    api, tenant, channels, stored_names, django_capture_on_commit_callbacks
):
    message = seed(api, channels["sms"])
    files = list(message.attachments.all())
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(tenant=tenant, contact=message.contact, by="test")
    assert not Attachment.objects.exists()
    assert not any(stored_names(a) for a in files)


def test_a_rolled_back_deletion_keeps_the_files(api, tenant, channels, stored_names):
    from django.db import transaction

    message = seed(api, channels["sms"])
    files = list(message.attachments.all())
    try:
        with transaction.atomic():
            contact_delete(tenant=tenant, contact=message.contact, by="test")
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert all(stored_names(a) for a in files)
