"""Reads of detractor follow-ups: scoped lists, the inbox, and the recovery rate.

Who sees a follow-up (the same logic as `feedback.view_follow_up` in catalog/rules.py): admins
all; otherwise its owner, and the owner and the business owner of its service.

Recovery rate of a service over a period
----------------------------------------
Each detractor answer (NPS 0-6, CSAT 1-2 or CES 1-3) given about the service in the period opened
its own follow-up; recovery asks whether that customer answered better the next time.

- The *next answer* is the respondent's first later answer about the same service (same e-mail
  address, compared without case; later in time, then by id) that gives at least one of the
  scores the detractor answer gave. It may come after the period ends. Answers without an
  e-mail address cannot be followed and never count as answered again; answers sharing no
  score with it (a relationship survey's factor ratings, CSAT after NPS) are passed over.
- Per kind, higher is better on each scale: CSAT 1-5 (very satisfied is 5), NPS 0-10 (likely to
  recommend is 10), CES 1-7 (agreeing that IT made it easy is 7).
- The next answer is *better* when, on the scores both answers give, none is lower and at least
  one is higher. NPS 3 then 5 is better (still a detractor); NPS 3 then 3 is not; NPS 3 and
  CSAT 2 then NPS 8 and CSAT 1 is not (one went down).
- Recovery rate = better next answers / detractor answers answered again; none when no
  detractor of the period has answered again. Also counted: next answers that are no longer a
  detractor's on any score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from catalog import rules as access
from catalog.models import Service
from feedback.models import FollowUp, FollowUpState, Response
from sla.periods import QUARTER, period_bounds, period_label, previous_periods
from sla.selectors import service_time_zone

SCORES = ("csat", "nps", "ces")
DETRACTOR_AT_MOST = {"csat": 2, "nps": 6, "ces": 3}
DETRACTOR_Q = Q(nps__lte=6) | Q(csat__lte=2) | Q(ces__lte=3)
SCORED_Q = Q(nps__isnull=False) | Q(csat__isnull=False) | Q(ces__isnull=False)

# Filter values of the lists (portal and API): not closed by default.
STATE_NOT_CLOSED, STATE_OVERDUE, STATE_ANY = "", "overdue", "any"
STATE_FILTERS = {
    STATE_NOT_CLOSED: "Open (to contact or contacted)",
    FollowUpState.OPEN.value: "To contact",
    STATE_OVERDUE: "Overdue (not contacted in time)",
    FollowUpState.CONTACTED.value: "Contacted, to close",
    FollowUpState.CLOSED.value: "Closed",
    STATE_ANY: "Any",
}


# --- Lists ------------------------------------------------------------------------------------


def follow_up_list(*, user) -> QuerySet[FollowUp]:
    """The follow-ups `user` may see, soonest due first, with what a list shows."""
    base = FollowUp.objects.select_related(
        "service", "service__support_calendar", "owner", "response", "response__ticket"
    ).order_by("due_at", "pk")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if access.is_admin(user):
        return base
    return base.filter(Q(owner=user) | Q(service__service_owner=user) | Q(service__business_owner=user))


def follow_up_detail(*, user, pk: int) -> FollowUp:
    """One follow-up `user` may see; FollowUp.DoesNotExist when absent or hidden."""
    return follow_up_list(user=user).get(pk=pk)


def follow_up_inbox(*, user) -> QuerySet[FollowUp]:
    """The user's own follow-ups not closed yet, soonest due first."""
    return follow_up_list(user=user).filter(owner=user).exclude(state=FollowUpState.CLOSED)


def follow_ups_filter(
    follow_ups: QuerySet[FollowUp],
    *,
    now: datetime,
    state: str = STATE_NOT_CLOSED,
    service: Service | None = None,
    owner=None,
) -> QuerySet[FollowUp]:
    """`follow_ups` narrowed to a state filter (see STATE_FILTERS), a service and an owner."""
    if state == STATE_NOT_CLOSED:
        follow_ups = follow_ups.exclude(state=FollowUpState.CLOSED)
    elif state == STATE_OVERDUE:
        follow_ups = follow_ups.filter(state=FollowUpState.OPEN, due_at__lt=now)
    elif state != STATE_ANY:
        follow_ups = follow_ups.filter(state=state)
    if service is not None:
        follow_ups = follow_ups.filter(service=service)
    if owner is not None:
        follow_ups = follow_ups.filter(owner=owner)
    return follow_ups


@dataclass(frozen=True)
class FollowUpCounts:
    open: int
    overdue: int


def follow_up_counts(follow_ups: QuerySet[FollowUp], *, now: datetime) -> FollowUpCounts:
    """Not closed, and of those still to contact after their due date (one query)."""
    counts = follow_ups.exclude(state=FollowUpState.CLOSED).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(state=FollowUpState.OPEN, due_at__lt=now))
    )
    return FollowUpCounts(open=counts["open"], overdue=counts["overdue"])


# --- Recovery rate (pure part) --------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The scores of one response, and who gave them when."""

    pk: int
    email: str
    submitted_at: datetime
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None

    def scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in SCORES if getattr(self, name) is not None}

    @property
    def is_detractor(self) -> bool:
        return any(value <= DETRACTOR_AT_MOST[name] for name, value in self.scores().items())


def answer_is_better(before: Answer, after: Answer) -> bool | None:
    """On the scores both give: none lower and one higher. None when they share no score."""
    first, then = before.scores(), after.scores()
    common = first.keys() & then.keys()
    if not common:
        return None
    return all(then[name] >= first[name] for name in common) and any(then[name] > first[name] for name in common)


@dataclass(frozen=True)
class Recovery:
    detractors: int  # detractor answers in the period
    answered_again: int  # of those, answered again later (a comparable answer)
    recovered: int  # of those, the next answer better
    no_longer_detractors: int  # of those, the next answer no detractor's on any score
    label: str = ""
    start: datetime | None = None
    end: datetime | None = None

    @property
    def rate(self) -> float | None:
        """Share of the detractors answering again whose next answer was better, 0-1."""
        return self.recovered / self.answered_again if self.answered_again else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)


def recovery_count(detractors: Iterable[Answer], answers: Iterable[Answer]) -> Recovery:
    """How the detractor answers' next comparable answers (among `answers`) compare."""
    later_by_email: dict[str, list[Answer]] = defaultdict(list)
    for answer in sorted(answers, key=lambda a: (a.submitted_at, a.pk)):
        if answer.email:
            later_by_email[answer.email.lower()].append(answer)
    total = again = better = cleared = 0
    for detractor in detractors:
        if not detractor.is_detractor:
            continue
        total += 1
        following = _next_comparable(detractor, later_by_email.get(detractor.email.lower(), []))
        if following is None:
            continue
        again += 1
        better += bool(answer_is_better(detractor, following))
        cleared += not following.is_detractor
    return Recovery(detractors=total, answered_again=again, recovered=better, no_longer_detractors=cleared)


def _next_comparable(detractor: Answer, answers: Sequence[Answer]) -> Answer | None:
    if not detractor.email:
        return None
    for answer in answers:
        after = (answer.submitted_at, answer.pk) > (detractor.submitted_at, detractor.pk)
        if after and answer_is_better(detractor, answer) is not None:
            return answer
    return None


# --- Recovery rate (from the database) ----------------------------------------------------


def service_recovery(*, service: Service, bounds: Sequence[tuple[datetime, datetime]]) -> list[Recovery]:
    """The recovery rate of `service` in each period [start, end) of `bounds` (two queries)."""
    if not bounds:
        return []
    earliest, latest = min(start for start, _ in bounds), max(end for _, end in bounds)
    detractors = [
        _answer(row)
        for row in Response.objects.filter(service=service, submitted_at__gte=earliest, submitted_at__lt=latest)
        .filter(DETRACTOR_Q)
        .values("pk", "respondent_email", "submitted_at", *SCORES)
    ]
    emails = sorted({a.email.lower() for a in detractors if a.email})
    later = []
    if emails:
        later = [
            _answer(row)
            for row in Response.objects.filter(service=service, submitted_at__gte=earliest)
            .filter(SCORED_Q)
            .annotate(email_lower=Lower("respondent_email"))
            .filter(email_lower__in=emails)
            .values("pk", "respondent_email", "submitted_at", *SCORES)
        ]
    results = []
    for start, end in bounds:
        counted = recovery_count([a for a in detractors if start <= a.submitted_at < end], later)
        results.append(replace(counted, start=start, end=end))
    return results


def service_recovery_recent(
    *, service: Service, period: str = QUARTER, count: int = 2, now: datetime | None = None
) -> list[Recovery]:
    """The recovery rate of the current period and the `count - 1` before it, latest first,
    in the service's time zone, each labelled (e.g. "Q4 2026")."""
    now = now or timezone.now()
    zone = service_time_zone(service)
    bounds = [period_bounds(period, now, zone), *previous_periods(period, now, zone, count - 1)]
    return [
        replace(r, label=period_label(period, r.start, zone)) for r in service_recovery(service=service, bounds=bounds)
    ]


def _answer(row: dict) -> Answer:
    return Answer(
        pk=row["pk"],
        email=(row["respondent_email"] or "").lower(),
        submitted_at=row["submitted_at"],
        csat=row["csat"],
        nps=row["nps"],
        ces=row["ces"],
    )
