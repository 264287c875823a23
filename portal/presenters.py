"""What the pages show about an agreement, as pure functions of its data (no queries
beyond the relations already loaded by catalog.selectors.agreement_list)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from catalog.models import Agreement, AgreementStatus, Priority
from catalog.selectors import target_field_text


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    what: str
    who: object | None = None  # a user, or None when unknown
    note: str = ""
    link: Agreement | None = None


def agreement_timeline(agreement: Agreement) -> list[TimelineEvent]:
    """The agreement's life so far, oldest first."""
    events = [TimelineEvent(agreement.created_at, "Draft created", agreement.created_by)]
    if agreement.proposed_at:
        events.append(TimelineEvent(agreement.proposed_at, "Proposed for signature", agreement.proposed_by))
    if agreement.it_signed_at:
        events.append(TimelineEvent(agreement.it_signed_at, "Signed for IT", agreement.it_signed_by))
    if agreement.business_signed_at:
        events.append(
            TimelineEvent(
                agreement.business_signed_at,
                f"Signed for the business ({agreement.audience})",
                agreement.business_signed_by,
            )
        )
    if agreement.agreed_at:
        events.append(TimelineEvent(agreement.agreed_at, "Agreed: in force"))
    if agreement.superseded_at:
        events.append(TimelineEvent(agreement.superseded_at, "Superseded", link=agreement.superseded_by))
    if agreement.withdrawn_at:
        events.append(
            TimelineEvent(agreement.withdrawn_at, "Withdrawn", agreement.withdrawn_by, note=agreement.withdrawal_reason)
        )
    return sorted(events, key=lambda e: e.at)


def missing_signatures(agreement: Agreement) -> list[str]:
    """Who still has to sign a proposed version, in words."""
    if agreement.status != AgreementStatus.PROPOSED:
        return []
    missing = []
    if not agreement.it_signed_by_id:
        missing.append("IT (the service owner)")
    if not agreement.business_signed_by_id:
        if agreement.business_unit_id:
            missing.append(f"the business (a representative of {agreement.audience})")
        else:
            missing.append("the business (the service's business owner)")
    return missing


def signing_side_label(side: str | None, agreement: Agreement) -> str:
    if side == "it":
        return "IT (as service owner)"
    if side == "business":
        return f"the business ({agreement.audience})"
    return ""


# --- Service levels: urgency targets and the priority matrix ----------------------------

IMPACT_URGENCY_LABELS = ("High", "Medium", "Low")


@dataclass(frozen=True)
class TargetRow:
    """One priority's promise as the agreement page shows it."""

    priority: int
    label: str
    engage: str
    update: str
    resolve: str
    calendar: object | None  # the calendar counted in, or None when there is none
    calendar_hours: str
    from_support_calendar: bool
    objective: str
    warnings: str


def target_rows(targets, *, support_calendar, hours: Mapping[int, str]) -> list[TargetRow]:
    """Rows of the targets table; `hours` gives each calendar's week in words by id."""
    rows = []
    for target in targets:
        calendar = target.calendar or support_calendar
        rows.append(
            TargetRow(
                priority=target.priority,
                label=Priority(target.priority).label,
                engage=target_field_text(target, "engage_within"),
                update=target_field_text(target, "update_every") if target.update_every else "–",
                resolve=target_field_text(target, "resolve_within"),
                calendar=calendar,
                calendar_hours=hours.get(calendar.pk, "") if calendar else "",
                from_support_calendar=target.calendar_id is None,
                objective=target_field_text(target, "objective_percent"),
                warnings=target_field_text(target, "warning_shares"),
            )
        )
    return rows


def matrix_rows(matrix) -> list[tuple[str, list[str]]]:
    """(impact, [priority for urgency high, medium, low]) for the impact x urgency grid."""
    return [(label, [f"P{cell}" for cell in row]) for label, row in zip(IMPACT_URGENCY_LABELS, matrix, strict=True)]


def uncovered_priorities(matrix, covered: Iterable[int]) -> list[str]:
    """Priorities the matrix gives that have no target ("P4", "P5"): their tickets get no clocks."""
    covered = set(covered)
    return [f"P{p}" for p in sorted({cell for row in matrix for cell in row} - covered)]


def words_list(items: list[str]) -> str:
    """'P3', 'P3 and P4', 'P3, P4 and P5'."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]])) if items else ""
