"""Signals other apps listen to, so crm never imports them."""

from django.dispatch import Signal

#: sent inside ``contact_merge``, with both contacts locked, before any row moves:
#: ``sender=Contact, tenant=, kept=, other=, at=``. Receivers make the merge possible
#: (e.g. journeys exits duplicate enrollments).
contact_merging = Signal()
