"""Policy registry (one instance per mode) and the contact's effective mode."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from crm.registry import Registry

if TYPE_CHECKING:
    from crm.models import Tenant

    from .base import Policy

HOLDOUT = "holdout"
TREATMENT = "treatment"
#: the mode each experiment cohort is handled under: the holdout keeps siloed handling
COHORT_MODES = {HOLDOUT: "multichannel", TREATMENT: "omnichannel"}


registry: Registry[Policy] = Registry("policy")


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator: one instance of the policy, under its mode."""
    registry.register(cls.key)(cls())
    return cls


def experiment_cohort(tenant: Tenant, contact_id: int) -> str | None:
    """Deterministic cohort of a contact: a hash of the tenant's salt and the contact id.

    Stable across runs and processes; ``None`` when the tenant runs no experiment.
    """
    if tenant.experiment_holdout_percent is None:
        return None
    digest = hashlib.sha256(f"{tenant.experiment_salt}:{contact_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 10_000
    return HOLDOUT if bucket < tenant.experiment_holdout_percent * 100 else TREATMENT


def effective_mode(tenant: Tenant, contact_id: int) -> str:
    cohort = experiment_cohort(tenant, contact_id)
    return tenant.mode if cohort is None else cohort_mode(cohort)


def cohort_mode(cohort: str) -> str:
    """The mode an experiment cohort (``holdout`` or ``treatment``) is handled under."""
    return COHORT_MODES[cohort]


def policy_for_mode(mode: str) -> Policy:
    return registry.get(mode)


def tenant_policy(tenant: Tenant) -> Policy | None:
    """The policy of every contact of ``tenant``; ``None`` while an experiment splits them."""
    return None if tenant.experiment_holdout_percent is not None else registry.get(tenant.mode)


def policy_for_contact(tenant: Tenant, contact_id: int) -> Policy:
    return registry.get(effective_mode(tenant, contact_id))


# Import the policy modules so they register themselves.
# in the order the comparison shows them.
from . import multichannel, crosschannel, omnichannel  # noqa: E402,F401,I001
