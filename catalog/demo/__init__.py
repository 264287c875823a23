"""Demo data for `manage.py load_demo`: a believable organisation, loaded idempotently.

The data are plain Python (organisation.py, services_*.py, agreements.py); loaders.py
turns them into rows, through catalog.services wherever a rule applies. LOADERS run in
order, in one transaction, each taking the shared DemoContext. Another app adds its demo
data by appending the dotted path of its own loader (e.g. "sla.demo.load_tickets"); a
loader must be idempotent: create what is missing, leave what is already right alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

LOADERS = [
    "catalog.demo.loaders.load_people",
    "catalog.demo.loaders.load_organisation",
    "catalog.demo.loaders.load_services",
    "sla.demo.load_calendars",
    "catalog.demo.loaders.load_agreements",
    "sla.demo.load_targets",
    "sla.demo.load_tickets",
    "sla.demo_commitments.load_commitments",
    "feedback.demo.load_feedback",
    "sla.demo_measures.load_measurements",
    "feedback.demo.load_watermelons",
    "catalog.alignment.demo.load_alignment",
    "catalog.costs.demo.load_costs",  # after alignment: the service it adds gets its cost too
    "portal.reviews.demo.load_reviews",
]


@dataclass
class DemoContext:
    """What loaders share: the moment the demo is loaded (everything is dated relative
    to it), the demo password, the rows loaded so far, and what was created."""

    now: datetime
    password: str
    users: dict[str, Any] = field(default_factory=dict)  # username -> user
    units: dict[str, Any] = field(default_factory=dict)  # slug -> BusinessUnit
    categories: dict[str, Any] = field(default_factory=dict)  # slug -> Category
    services: dict[str, Any] = field(default_factory=dict)  # name -> Service
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, what to try as them)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)


def load_demo(*, password: str, now: datetime | None = None, loaders: list[str] | None = None) -> DemoContext:
    context = DemoContext(now=now or timezone.now(), password=password)
    with transaction.atomic():
        for path in loaders or LOADERS:
            import_string(path)(context)
    return context
