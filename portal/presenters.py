"""What the pages show about an agreement, as pure functions of its data (no queries
beyond the relations already loaded by catalog.selectors.agreement_list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from catalog.models import Agreement, AgreementStatus


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
