"""Demo success measures: what success means for a few demo services, in the business's words.

`demo_measures_play` runs as each demo agreement version is drafted (catalog.demo.loaders):
a first version gets the service's measures; a later one starts from the measures in force
(copied by agreement_draft_create) and takes the revisions listed for its version number,
so the diff between versions shows a measure changing. Written through catalog.services, so
every demo measure passes the rules people's do.
"""

from __future__ import annotations

from datetime import timedelta

from catalog.models import Agreement
from catalog.services import measure_set, measures_replace

PAYROLL = [
    {
        "key": "payslips-on-time",
        "name": "Payslips on time",
        "description": "Every pay run's payslips are online by 6am on pay day. Enter each run as the hours after "
        "6am the last payslip appeared (0 when on time).",
        "factor": "results",
        "aggregation": "percent",
        "condition": "lte",
        "condition_value": 0,
        "valid_min": 0,
        "valid_max": 240,
        "target": 95,
        "warning_level": 98,
        "period": "quarter",
        "min_points": 3,
    },
    {
        "key": "p1-resolved-in-time",
        "name": "P1 resolved within target",
        "description": "When payroll cannot run, it is fixed within the agreed time.",
        "factor": "urgency",
        "source": "tickets",
        "ticket_metric": "resolved_in_time",
        "ticket_priority": 1,
        "target": 90,
        "warning_level": 95,
        "min_points": 1,
    },
    {
        "key": "time-to-engage",
        "name": "Time to engage",
        "description": "How long payroll staff wait, in business hours, before someone from IT picks up their call.",
        "factor": "engagement",
        "source": "tickets",
        "ticket_metric": "engage_time",
        "target": 4,
        "warning_level": 3,
    },
    {
        "key": "owner-within-30-minutes",
        "name": "Owner within 30 minutes",
        "description": "Every ticket has a named person looking after it within half an hour.",
        "factor": "ownership",
        "source": "tickets",
        "ticket_metric": "owner_within",
        "ticket_within": timedelta(minutes=30),
        "target": 90,
        "warning_level": 95,
    },
    {
        "key": "updates-kept",
        "name": "Updates kept",
        "description": "While a problem is open, payroll hears how it is going as often as agreed.",
        "factor": "pace",
        "source": "tickets",
        "ticket_metric": "updates_kept",
        "target": 90,
        "warning_level": 95,
    },
    {
        "key": "payroll-help-satisfaction",
        "name": "Payroll team satisfied with IT's help",
        "description": "The share of answers of 4 or 5 out of 5 when payroll staff rate a closed ticket.",
        "factor": "user_experience",
        "source": "feedback",
        "feedback_metric": "csat",
        "target": 85,
        "warning_level": 90,
        "period": "quarter",
    },
]

ONLINE_SHOP = [
    {
        "key": "online-shop-availability",
        "name": "Online shop availability",
        "description": "Trade customers can find products, see their prices and order. The monitoring tool sends "
        "each day's availability as a percentage.",
        "factor": "results",
        "source": "pushed",
        "aggregation": "mean",
        "unit": "%",
        "valid_min": 0,
        "valid_max": 100,
        "target": "99.5",
        "warning_level": "99.8",
        "min_points": 20,
    },
    {
        "key": "orders-confirmed-within-a-minute",
        "name": "Orders confirmed within a minute",
        "description": "A customer placing an order gets the confirmation page within a minute. The shop sends the "
        "seconds each order took.",
        "factor": "user_experience",
        "source": "pushed",
        "aggregation": "percent",
        "condition": "lte",
        "condition_value": 60,
        "valid_min": 0,
        "valid_max": 3600,
        "target": 99,
        "warning_level": "99.5",
        "period": "week",
        "min_points": 50,
    },
]

MEASURES = {"Payroll": PAYROLL, "Online shop": ONLINE_SHOP}
# Revisions by (service, version number): what the version changes of the measures it copied.
REVISIONS = {
    ("Payroll", 3): [{**PAYROLL[0], "target": 97, "warning_level": 99}],
}


def demo_measures_play(agreement: Agreement) -> None:
    """A draft's demo measures, as its owner would have written them (see the module's doc)."""
    name = agreement.service.name
    if not agreement.measures.exists():
        if name in MEASURES:
            measures_replace(agreement=agreement, measures=MEASURES[name])
        return
    for revision in REVISIONS.get((name, agreement.version), []):
        measure_set(agreement=agreement, **revision)
