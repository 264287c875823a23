"""How a home shows its lights, as pure functions (no queries)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.board.presenters import impact_text, time_left_text
from portal.home.selectors import ServiceLights
from portal.scorecard.presenters import Badge, status_badge
from sla.risks.selectors import BoardItem


@dataclass(frozen=True)
class Light:
    factor: str
    label: str
    badge: Badge


def light_rows(services: list[ServiceLights]) -> list[tuple[object, list[Light]]]:
    return [
        (row.service, [Light(factor=f, label=label, badge=status_badge(status)) for f, label, status in row.lights])
        for row in services
    ]


def risk_rows(items: list[BoardItem]) -> list[dict]:
    return [
        {
            "item": item,
            "alert": item.alert,
            "impact": impact_text(item.standing.impact),
            "time_left": time_left_text(item.standing.time_left),
        }
        for item in items
    ]
