"""The measures an evaluation pass judges, as plain rows: a pass reads 10,000 of them, and model
instances of the measure, its agreement, service and calendar cost more than judging them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from sla.selectors import measures_in_force

_FIELDS = {
    "pk": "pk",
    "key": "key",
    "name": "name",
    "period": "period",
    "aggregation": "aggregation",
    "source": "source",
    "direction": "direction",
    "target": "target",
    "warning_level": "warning_level",
    "min_points": "min_points",
    "unit": "unit",
    "ticket_metric": "ticket_metric",
    "ticket_priority": "ticket_priority",
    "ticket_within": "ticket_within",
    "feedback_metric": "feedback_metric",
    "service_id": "agreement__service_id",
    "service_name": "agreement__service__name",
    "business_unit_id": "agreement__business_unit_id",
    "effective_from": "agreement__effective_from",
    "calendar_zone": "agreement__service__support_calendar__time_zone",
}


@dataclass(frozen=True, slots=True)
class MeasureInForce:
    """What a pass needs of a measure in force (the names of catalog.Measure's fields, so
    sla.measure_verdicts.rule_for reads either)."""

    pk: int
    key: str
    name: str
    period: str
    aggregation: str
    source: str
    direction: str
    target: Decimal
    warning_level: Decimal | None
    min_points: int
    unit: str
    ticket_metric: str
    ticket_priority: int | None
    ticket_within: timedelta | None
    feedback_metric: str
    service_id: int
    service_name: str
    business_unit_id: int | None
    effective_from: date | None
    calendar_zone: str | None

    @property
    def time_zone(self) -> str:
        """As sla.selectors.service_time_zone: the support calendar's zone, else the site's."""
        return self.calendar_zone if self.calendar_zone is not None else settings.TIME_ZONE


def measures_in_force_rows(ids: list[int] | None = None) -> list[MeasureInForce]:
    """Every measure in force (sla.selectors.measures_in_force), or those among `ids`."""
    qs = measures_in_force() if ids is None else measures_in_force().filter(pk__in=ids)
    return [MeasureInForce(*row) for row in qs.order_by().values_list(*_FIELDS.values())]
