"""What is promised: business units, categories, services, their agreements and the targets and
measures those agreements define.

Models hold data and database constraints only; rules that change state live in
services/, reads in selectors.py, who-may-do-what in rules.py.
"""

# Catalogue alignment and cost of provision live in packages of their own; imported here so
# Django finds their models.
from catalog.alignment.models import (
    AlignmentSnapshot,
    MissingServiceRequest,
    MissingServiceRequestEvent,
    RequestEventKind,
    RequestSource,
    RequestState,
    ServiceMark,
)
from catalog.costs.models import AllocationRule, CostDriver, ServiceCost
from catalog.models.agreements import (
    AGREEMENT_TERMS,
    OPEN_STATUSES,
    SIGNED_STATUSES,
    Agreement,
    AgreementStatus,
    Priority,
    UrgencyTarget,
    default_warning_shares,
    itil_priority_matrix,
)
from catalog.models.catalogue import (
    BusinessUnit,
    Category,
    Criticality,
    Lifecycle,
    Membership,
    Service,
    ServiceDependency,
)
from catalog.models.measures import (
    Aggregation,
    Comparison,
    Direction,
    FeedbackMetric,
    Measure,
    MeasurePeriod,
    MeasureSource,
    SuccessFactor,
    TicketMetric,
)
from catalog.models.tokens import ApiScope, ApiToken

__all__ = [
    "AGREEMENT_TERMS",
    "OPEN_STATUSES",
    "SIGNED_STATUSES",
    "Aggregation",
    "Agreement",
    "AgreementStatus",
    "AlignmentSnapshot",
    "AllocationRule",
    "ApiScope",
    "ApiToken",
    "BusinessUnit",
    "Category",
    "Comparison",
    "CostDriver",
    "Criticality",
    "Direction",
    "FeedbackMetric",
    "Lifecycle",
    "Measure",
    "MeasurePeriod",
    "MeasureSource",
    "Membership",
    "MissingServiceRequest",
    "MissingServiceRequestEvent",
    "Priority",
    "RequestEventKind",
    "RequestSource",
    "RequestState",
    "Service",
    "ServiceCost",
    "ServiceDependency",
    "ServiceMark",
    "SuccessFactor",
    "TicketMetric",
    "UrgencyTarget",
    "default_warning_shares",
    "itil_priority_matrix",
]
