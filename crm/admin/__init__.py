"""Django admin for the CRM, scoped to the staff member's tenants (through ``Membership``).

Scoping lives once, in ``scoping.TenantScopedAdmin``: querysets, foreign-key choices, the tenant
of new rows and the role a staff member needs. Writes that carry business rules (mode changes,
API keys, merges, erasure, ticket status) go through the services.
"""

from . import contacts, tenancy, tickets  # noqa: F401  (registers the model admins)
