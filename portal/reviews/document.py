"""The review document's parts, as the page, the PDF and the API read them (built by
selectors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

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
    sections: tuple[ServiceSection, ...]
    review: Review | None
    actions: tuple[ActionLine, ...] = ()
    previous_actions: tuple[ActionLine, ...] = ()
    previous_period: Period | None = None
    prepared: tuple[Period, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"{self.subject.name}: service review, {self.period.label}"
