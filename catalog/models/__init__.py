"""What is promised: business units, categories, services, their agreements and the targets and
measures those agreements define.

Models hold data and database constraints only; rules that change state live in
services/, reads in selectors.py, who-may-do-what in rules.py.
"""

# Cost of provision lives in its own package; imported here so Django finds its models.
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
    "Priority",
    "Service",
    "ServiceCost",
    "ServiceDependency",
    "SuccessFactor",
    "TicketMetric",
    "UrgencyTarget",
    "default_warning_shares",
    "itil_priority_matrix",
]
