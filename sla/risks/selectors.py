"""Reads of the early-warning board: everything that can go wrong before it does, as the alerts
the user may see (sla.alert_selectors.alert_list: scoped to the user) that are not resolved: ticket
clocks, measures at risk or missed, commitments at risk, stale or missed, agreements due for
review, overdue follow-ups, business units' catalogue requests unanswered, services green outside
and red inside. Ranked in Python (ranking.py) after one query: the board holds the unresolved
alerts, a few hundred at most even for a large catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from catalog.models import BusinessUnit, Service
from sla.alert_selectors import alert_list
from sla.models import Alert, AlertKind, AlertState
from sla.risks import ranking

OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)

# The board's kinds, as people name them, and the alert kinds each covers.
KINDS = {
    "clock": ("Ticket clocks", (AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH)),
    "measure": ("Success measures", (AlertKind.MEASURE_AT_RISK, AlertKind.MEASURE_MISSED)),
    "commitment": (
        "Commitments",
        (AlertKind.COMMITMENT_AT_RISK, AlertKind.COMMITMENT_STALE, AlertKind.COMMITMENT_MISSED),
    ),
    "agreement": ("Agreement reviews", (AlertKind.AGREEMENT_REVIEW_DUE,)),
    "follow_up": ("Detractor follow-ups", (AlertKind.FOLLOW_UP_OVERDUE,)),
    "alignment": ("Catalogue requests", (AlertKind.ALIGNMENT_REQUEST_OVERDUE,)),
    # SLA green while happiness or lost time is red (feedback.experience, docs/board.md).
    "watermelon": ("Green outside, red inside", (AlertKind.WATERMELON,)),
}
# Long texts a summary of the board never shows (deferred, so never read).
SUMMARY_DEFERRED = (
    "body",
    "details",
    "service__description",
    "service__how_to_request",
    "service__cost_drivers",
    "service__summary",
)
KIND_OF = {alert_kind: kind for kind, (_, alert_kinds) in KINDS.items() for alert_kind in alert_kinds}
# The status filter (the old /warnings/ page's, for every kind): gone wrong (missed, breached,
# overdue, or past its due time: ranking.how_far_gone is 1) or at risk, not yet.
BREACHED = "breached"
AT_RISK = "at_risk"
STATUSES = (BREACHED, AT_RISK)
PRIORITIES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class BoardItem:
    alert: Alert
    kind: str  # one of KINDS
    standing: ranking.Standing

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind][0]


def board_item(alert: Alert, *, now: datetime) -> BoardItem:
    """One alert as the board ranks it (its service already loaded)."""
    return BoardItem(
        alert=alert,
        kind=KIND_OF.get(alert.kind, "clock"),
        standing=ranking.standing(
            kind=alert.kind,
            severity=alert.severity,
            state=alert.state,
            criticality=alert.service.criticality if alert.service_id else None,
            due_at=alert.due_at,
            now=now,
        ),
    )


def _board_alerts(
    *,
    user,
    business_unit: BusinessUnit | None,
    service: Service | None,
    kind: str | None,
    severity: str | None,
    acknowledged: bool,
    now: datetime,
    status: str | None = None,
    priority: int | None = None,
):
    """The unresolved alerts `user` may see, narrowed by the board's filters. `priority` keeps
    ticket clocks of that priority (only clocks have one); `status` keeps what is gone wrong
    (BREACHED) or what is still only at risk (AT_RISK)."""
    alerts = alert_list(user=user).filter(state__in=OPEN_STATES if acknowledged else [AlertState.OPEN])
    if business_unit is not None:
        # A unit's catalogue requests have no service: their alerts name the unit instead.
        alerts = alerts.filter(
            Q(service__in=Service.objects.filter(business_units=business_unit))
            | Q(kind=AlertKind.ALIGNMENT_REQUEST_OVERDUE, details__business_unit_id=business_unit.pk)
        )
    if service is not None:
        alerts = alerts.filter(service=service)
    if kind:
        alerts = alerts.filter(kind__in=KINDS[kind][1])
    if severity:
        alerts = alerts.filter(severity=severity)
    if priority:
        alerts = alerts.filter(clock__priority=priority)
    gone = Q(kind__in=ranking.GONE_KINDS) | Q(due_at__lte=now)
    if status == BREACHED:
        alerts = alerts.filter(gone)
    elif status == AT_RISK:
        alerts = alerts.exclude(gone)
    return alerts


def _one_per_clock(ranked: list, *, clock_of, order_of) -> list:
    """A ticket's clock stands on the board once, by its latest unresolved alert (its breach
    over its warnings, a higher warning share over a lower): each raises an alert of its own,
    and the old /warnings/ page listed each clock once. `ranked` keeps its order."""
    latest: dict[int, tuple] = {}
    for entry in ranked:
        clock_id = clock_of(entry)
        if clock_id is not None and (clock_id not in latest or order_of(entry) > latest[clock_id]):
            latest[clock_id] = order_of(entry)
    return [entry for entry in ranked if clock_of(entry) is None or latest[clock_of(entry)] == order_of(entry)]


def board_items(
    *,
    user,
    now: datetime,
    business_unit: BusinessUnit | None = None,
    service: Service | None = None,
    kind: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    priority: int | None = None,
    acknowledged: bool = True,
    sort: str = ranking.IMPACT,
    summary: bool = False,
) -> list[BoardItem]:
    """The board's items `user` may see, ranked. One query. `summary`: for a page that shows
    only the top items' subject and severity (the homes): the long texts are left unread."""
    alerts = _board_alerts(
        user=user,
        business_unit=business_unit,
        service=service,
        kind=kind,
        severity=severity,
        acknowledged=acknowledged,
        now=now,
        status=status,
        priority=priority,
    ).select_related("service", "ticket", "owner", "clock")
    if summary:
        alerts = alerts.defer(*SUMMARY_DEFERRED)
    items = [board_item(alert, now=now) for alert in alerts]
    items.sort(key=lambda item: ranking.sort_key(item.standing, sort=sort, opened_at=item.alert.opened_at))
    return _one_per_clock(
        items, clock_of=lambda item: item.alert.clock_id, order_of=lambda item: (item.alert.opened_at, item.alert.pk)
    )


# What the API's list shows of an alert (sla/risks/api.py), read as `.values()` rows.
BOARD_ROW_COLUMNS = (
    "id",
    "kind",
    "severity",
    "state",
    "subject",
    "due_at",
    "opened_at",
    "clock_id",
    "service__slug",
    "service__name",
    "service__criticality",
)


def board_rows(
    *,
    user,
    now: datetime,
    business_unit: BusinessUnit | None = None,
    service: Service | None = None,
    kind: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    priority: int | None = None,
    sort: str = ranking.IMPACT,
) -> list[tuple[dict, ranking.Standing]]:
    """`board_items` as (`.values()` row, standing) pairs, ranked the same way: the API's list
    reads only the columns it shows, not whole alerts with their services, tickets and owners."""
    alerts = _board_alerts(
        user=user,
        business_unit=business_unit,
        service=service,
        kind=kind,
        severity=severity,
        acknowledged=True,
        now=now,
        status=status,
        priority=priority,
    )
    ranked = [
        (
            row,
            ranking.standing(
                kind=row["kind"],
                severity=row["severity"],
                state=row["state"],
                criticality=row["service__criticality"],
                due_at=row["due_at"],
                now=now,
            ),
        )
        for row in alerts.values(*BOARD_ROW_COLUMNS)
    ]
    ranked.sort(key=lambda pair: ranking.sort_key(pair[1], sort=sort, opened_at=pair[0]["opened_at"]))
    return _one_per_clock(
        ranked, clock_of=lambda pair: pair[0]["clock_id"], order_of=lambda pair: (pair[0]["opened_at"], pair[0]["id"])
    )
