from .base import Policy
from .registry import (
    cohort_mode,
    effective_mode,
    experiment_cohort,
    policy_for_contact,
    policy_for_mode,
    registry,
    tenant_policy,
)

__all__ = [
    "Policy",
    "cohort_mode",
    "effective_mode",
    "experiment_cohort",
    "policy_for_contact",
    "policy_for_mode",
    "registry",
    "tenant_policy",
]
