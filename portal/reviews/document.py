"""The review document's parts, as the page, the PDF and the API read them (built by
selectors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from catalog.models import Agreement, BusinessUnit, Service
from feedback import scores
from feedback.perception_selectors import ServicePerception
from feedback.selectors import PeriodSummary
from portal.reviews import outcomes
from portal.reviews.models import Review, ReviewAction
from portal.reviews.periods import Period
from sla import scorecard as card
from sla.scorecard_selectors import MeasureCard, PeriodValue


@dataclass(frozen=True)
class AgreedTerms:
    agreement: Agreement
    audience: str
    targets: tuple[tuple[str, str], ...]  # (priority label, the targets in words)
    measures: tuple[tuple[str, str, str], ...]  # (name, why it matters, target in words)


@dataclass(frozen=True)
class MeasureOutcome:
    card: MeasureCard
    periods: tuple[PeriodValue, ...]  # the measure's periods that overlap the review's

    @property
    def status(self) -> str:
        statuses = [p.status for p in self.periods]
        return card.factor_status(statuses) if statuses else card.NO_DATA

    @property
    def status_label(self) -> str:
        return card.STATUS_LABELS[self.status]


@dataclass(frozen=True)
class CommitmentLine:
    commitment: object  # sla.models.Commitment
    reading: outcomes.CommitmentReading


@dataclass(frozen=True)
class ThemeLine:
    name: str
    comments: int
    share: float | None
    average: float | None


@dataclass(frozen=True)
class Miss:
    what: str
    causes: tuple[str, ...]


@dataclass(frozen=True)
class ServiceSection:
    service: Service
    time_zone: str
    agreed: tuple[AgreedTerms, ...]
    attainment: tuple[outcomes.PriorityAttainment, ...]
    measures: tuple[MeasureOutcome, ...]
    commitments: tuple[CommitmentLine, ...]
    commitments_next: tuple[object, ...]
    feedback: PeriodSummary
    themes: tuple[ThemeLine, ...]
    perception: ServicePerception
    misses: tuple[Miss, ...]
    breaches: int
    watermelon: object = None  # feedback.experience.watermelon.Watermelon: green outside, red inside?

    @property
    def review_dates(self) -> list[tuple[str, date]]:
        return [(t.audience, t.agreement.review_by) for t in self.agreed if t.agreement.review_by]

    @property
    def scores(self) -> list[scores.Score]:
        return [self.feedback.scores[kind].score for kind in scores.KINDS]


@dataclass(frozen=True)
class ServiceRow:
    """A service's line in a business unit's overview: the headline figures of its section, read
    from the same batched reads, and why it needs discussing at the meeting (if it does). Its
    derived figures are computed once (cached_property: the page reads each several times)."""

    service: Service
    attainment: tuple[outcomes.PriorityAttainment, ...]
    measures_met: int
    measures_missed: int
    measures: int  # the measures of the versions in force that the scorecard reads
    delivered: int  # commitments delivered on time in the period
    late: int  # late or missed
    renegotiated: int
    feedback: PeriodSummary
    watermelon: object = None
    open_actions: int = 0  # still open, agreed at the service's own reviews up to this period

    @cached_property
    def met(self) -> int:
        return sum(row.met for row in self.attainment)

    @cached_property
    def total(self) -> int:
        return sum(row.total for row in self.attainment)

    @cached_property
    def attainment_percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None

    @cached_property
    def off_track(self) -> tuple[outcomes.PriorityAttainment, ...]:
        return tuple(row for row in self.attainment if row.on_track is False)

    @property
    def flagged(self) -> bool:
        return self.watermelon is not None and self.watermelon.flagged

    @property
    def csat(self) -> scores.Score:
        return self.feedback.scores["csat"].score

    @property
    def nps(self) -> scores.Score:
        return self.feedback.scores["nps"].score

    @cached_property
    def reasons(self) -> tuple[str, ...]:
        """Why the meeting should discuss it, in words; none: it met everything."""
        found = [f"P{row.priority} under its objective" for row in self.off_track]
        if self.measures_missed:
            found.append(_count(self.measures_missed, "measure") + " missed")
        if self.late:
            found.append(_count(self.late, "commitment") + " late or missed")
        if self.renegotiated:
            found.append(_count(self.renegotiated, "commitment") + " renegotiated")
        if self.flagged:
            found.append("green outside, red inside")
        if self.open_actions:
            found.append(_count(self.open_actions, "open action"))
        return tuple(found)

    @property
    def discussed(self) -> bool:
        return bool(self.reasons)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class ActionLine:
    action: ReviewAction
    state: str

    @property
    def label(self) -> str:
        return outcomes.ACTION_LABELS[self.state]


@dataclass(frozen=True)
class ReviewDocument:
    subject: Service | BusinessUnit
    is_unit: bool
    period: Period
    as_of: datetime
    so_far: bool  # the period is still in progress
    sections: tuple[ServiceSection, ...]  # a unit's: only the services it needs to discuss
    review: Review | None
    actions: tuple[ActionLine, ...] = ()
    previous_actions: tuple[ActionLine, ...] = ()
    previous_period: Period | None = None
    prepared: tuple[Period, ...] = field(default=())
    overview: tuple[ServiceRow, ...] = ()  # a unit's: one row per service it uses

    @property
    def discussion_note(self) -> str:
        """How many of a unit's services the document shows in full, and why."""
        shown, total = len(self.sections), len(self.overview)
        if not total:
            return ""
        if not shown:
            return (
                f"None of the {_count(total, 'service')} had anything to discuss: each met everything (see the table)."
            )
        if shown == total:
            return (
                f"All {_count(total, 'service')} had something to discuss (a missed target or measure, a late "
                "or renegotiated commitment, a watermelon flag or open actions): each is shown in full below."
            )
        return (
            f"{shown} of {total} services had something to discuss (a missed target or measure, a late or "
            "renegotiated commitment, a watermelon flag or open actions) and are shown in full below; "
            "the rest met everything: see the table."
        )

    @property
    def title(self) -> str:
        return f"{self.subject.name}: service review, {self.period.label}"
