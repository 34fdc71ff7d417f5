"""Django admin for the CRM, scoped to the staff member's tenants (through ``Membership``).

Scoping lives once, in ``scoping.TenantScopedAdmin`` (other apps' admins subclass it):
querysets, foreign-key choices, the tenant of new rows and the role a staff member needs.
Writes that carry business rules (mode changes, API keys, merges, erasure, ticket status) go
through the services.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import audit, contacts, routing, tenancy, tickets  # noqa: F401  (registers the model admins)

admin.site.site_header = _("Omnichannel CRM administration")
admin.site.site_title = _("Omnichannel CRM")
admin.site.index_title = _("Administration")
admin.site.site_url = "/dashboard/"
