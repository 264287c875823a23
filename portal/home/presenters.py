"""How a home shows its lights, as pure functions (no queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from portal.board.presenters import impact_text, time_left_text
from portal.home.selectors import ServiceLights
from portal.scorecard.presenters import Badge, status_badge
from sla.risks.selectors import BoardItem


@dataclass(frozen=True)
class Light:
    factor: str
    label: str
    badge: Badge


LISTED = 20  # of each list of agreements or flagged measures; the rest are counted ("and 480 more")
_SLUG = "__slug__"


def light_rows(services: list[ServiceLights]) -> list[tuple[object, str, list[Light]]]:
    """(service, its scorecard's address, its six lights). The address is reversed once and
    filled in per service: an admin's home has hundreds of rows."""
    scorecard = reverse("portal:service_scorecard", args=[_SLUG])
    return [
        (
            row.service,
            scorecard.replace(_SLUG, row.service.slug),
            [Light(factor=f, label=label, badge=status_badge(status)) for f, label, status in row.lights],
        )
        for row in services
    ]


@dataclass(frozen=True)
class Listed:
    """The first LISTED of a list, and how many more there are."""

    shown: list
    more: int


def listed(items: list) -> Listed:
    return Listed(shown=items[:LISTED], more=max(len(items) - LISTED, 0))


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
