"""Writes to the catalogue, by subject: services (catalogue), the lifecycle of agreements
(agreements), what a version promises per priority (targets) and its success measures
(measures).

Every function takes keyword-only arguments, validates before it writes, and writes in
one transaction, so bad input leaves nothing half-written. Validation problems raise
Django's ValidationError (field -> messages); missing rights raise PermissionDenied.
Callers use the package: `from catalog import services; services.agreement_sign(...)`.
"""

from catalog.services import agreements, catalogue, measures, targets
from catalog.services.agreements import (
    agreement_draft_create,
    agreement_propose,
    agreement_return_to_draft,
    agreement_sign,
    agreement_signing_side,
    agreement_update,
    agreement_withdraw,
)
from catalog.services.catalogue import (
    SERVICE_FIELDS,
    service_create,
    service_dependencies_set,
    service_open_clocks_recompute,
    service_update,
)
from catalog.services.measures import (
    MEASURE_FIELDS,
    measure_remove,
    measure_set,
    measures_replace,
)
from catalog.services.targets import (
    TARGET_FIELDS,
    agreement_priority_matrix_set,
    agreement_service_levels_set,
    urgency_target_remove,
    urgency_target_set,
    urgency_targets_replace,
)

__all__ = [
    "MEASURE_FIELDS",
    "SERVICE_FIELDS",
    "TARGET_FIELDS",
    "agreement_draft_create",
    "agreement_priority_matrix_set",
    "agreement_propose",
    "agreement_return_to_draft",
    "agreement_service_levels_set",
    "agreement_sign",
    "agreement_signing_side",
    "agreement_update",
    "agreement_withdraw",
    "agreements",
    "catalogue",
    "measure_remove",
    "measure_set",
    "measures",
    "measures_replace",
    "service_create",
    "service_dependencies_set",
    "service_open_clocks_recompute",
    "service_update",
    "targets",
    "urgency_target_remove",
    "urgency_target_set",
    "urgency_targets_replace",
]
