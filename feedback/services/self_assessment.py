"""IT's view of a service for a quarter: the service owner's ratings on the six success factors.

Recording replaces the quarter's ratings (one row per service and quarter, kept in history), so
an owner may correct them until the quarter's comparison is read. Only the service's owner and
admins may record (catalog/rules.py 'feedback.record_self_assessment'). Every problem is
reported at once, naming its field; nothing is written unless all is well.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import Service
from feedback.models import COMMENT_MAX_LENGTH, SelfAssessment
from feedback.perception import (
    FACTOR_LABELS,
    FACTORS,
    RATING_MAX,
    RATING_MIN,
    quarter_label,
    quarter_parse,
    quarter_start,
)
from sla.commitments import local_date
from sla.selectors import service_time_zone

NOTE_MAX_LENGTH = COMMENT_MAX_LENGTH


def self_assessment_problems(*, ratings: object, note: str) -> dict[str, list[str]]:
    """Field -> messages: every factor rated once, 1 to 5, nothing else; the note not too long.
    A factor's problem is reported under 'ratings.<factor>'."""
    problems: dict[str, list[str]] = {}
    if not isinstance(ratings, Mapping):
        return {"ratings": ["Give the ratings as success factor -> rating from 1 to 5."]}
    unknown = sorted(str(key) for key in ratings if key not in FACTORS)
    if unknown:
        problems["ratings"] = [
            f"Unknown success factor {name!r}; the factors are {', '.join(FACTORS)}." for name in unknown
        ]
    for factor in FACTORS:
        label = FACTOR_LABELS[factor]
        if factor not in ratings or ratings[factor] is None or ratings[factor] == "":
            problems[f"ratings.{factor}"] = [f"Rate {label} from {RATING_MIN} to {RATING_MAX}."]
            continue
        rating = ratings[factor]
        if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
            problems[f"ratings.{factor}"] = [
                f"Rate {label} with a whole number from {RATING_MIN} to {RATING_MAX}, not {rating!r}."
            ]
    if len(note or "") > NOTE_MAX_LENGTH:
        problems["note"] = [f"Keep the note to {NOTE_MAX_LENGTH:,} characters (it has {len(note):,})."]
    return problems


def self_assessment_record(
    *,
    service: Service,
    quarter: date | str,
    ratings: Mapping[str, int],
    note: str = "",
    actor: AbstractBaseUser,
    now: datetime | None = None,
) -> tuple[SelfAssessment, bool]:
    """Create or replace IT's view of `service` for `quarter` (its first day, or '2026-Q4'):
    (the assessment, whether it was created). A quarter not yet started is refused."""
    if not actor.has_perm("feedback.record_self_assessment", service):
        raise PermissionDenied(f"Only the owner of “{service.name}” or an admin may rate it for IT.")
    now = now or timezone.now()
    problems = self_assessment_problems(ratings=ratings, note=note)
    start = _quarter(quarter, problems)
    if start is not None:
        current = quarter_start(local_date(now, service_time_zone(service)))
        if start > current:
            problems["quarter"] = [f"{quarter_label(start)} has not started yet: rate the current or a past quarter."]
    if problems:
        raise ValidationError(problems)
    # Locks the row when it exists; of two first recordings at once, the one losing the insert
    # race becomes an update (Django re-reads the row after the IntegrityError).
    return SelfAssessment.objects.update_or_create(
        service=service,
        period_start=start,
        defaults={
            "ratings": {factor: ratings[factor] for factor in FACTORS},
            "note": (note or "").strip(),
            "by": actor,
        },
    )


def _quarter(quarter: date | str, problems: dict[str, list[str]]) -> date | None:
    if isinstance(quarter, str):
        try:
            return quarter_parse(quarter)
        except ValueError as error:
            problems["quarter"] = [str(error)]
            return None
    if isinstance(quarter, datetime) or not isinstance(quarter, date):
        problems["quarter"] = ["Give the quarter as its first day or as e.g. 2026-Q4."]
        return None
    if quarter != quarter_start(quarter):
        problems["quarter"] = [
            f"A quarter starts on 1 January, April, July or October, not {quarter:%d %B}; "
            f"did you mean {quarter_label(quarter_start(quarter))}?"
        ]
        return None
    return quarter
