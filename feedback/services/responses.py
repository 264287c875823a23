"""Recording a response: from Accord's own survey page or from another tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import BusinessUnit, Service, SuccessFactor
from feedback.models import COMMENT_MAX_LENGTH, Invitation, InvitationStatus, LostTime, Response, ResponseSource
from feedback.services.follow_ups import follow_up_open_if_detractor
from feedback.services.themes import themes_match_response

SCALES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
FACTOR_SCALE = (1, 5)
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class ResponseInput:
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None
    factor_ratings: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    lost_time: str = ""  # a feedback.models.LostTime value; "" when not answered


LOST_TIME_PROBLEM = "Say how much work time it cost with one of: " + ", ".join(LostTime.values) + "."


def response_problems(answers: ResponseInput, *, asked: list[str] | None = None) -> dict[str, list[str]]:
    """Field -> messages for answers out of scale, too long, or not asked."""
    problems: dict[str, list[str]] = {}
    for name, (low, high) in SCALES.items():
        value = getattr(answers, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems[name] = [f"{name.upper()} answers go from {low} to {high}, not {value!r}."]
        elif asked is not None and name not in asked:
            problems[name] = [f"This survey did not ask for {name.upper()}."]
    factors = set(SuccessFactor.values)
    for factor, rating in (answers.factor_ratings or {}).items():
        if factor not in factors:
            problems.setdefault("factor_ratings", []).append(f"Unknown success factor {factor!r}.")
        elif isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            problems.setdefault("factor_ratings", []).append(f"Rate {factor} from 1 to 5, not {rating!r}.")
    if len(answers.comment or "") > COMMENT_MAX_LENGTH:
        problems["comment"] = [f"Keep the comment to {COMMENT_MAX_LENGTH:,} characters."]
    if answers.lost_time:
        if answers.lost_time not in LostTime.values:
            problems["lost_time"] = [f"{LOST_TIME_PROBLEM} Not {answers.lost_time!r}."]
        elif answers.factor_ratings:
            problems["lost_time"] = ["Lost time is asked after a ticket, not in a relationship survey."]
    has_answer = (
        any(getattr(answers, name) is not None for name in SCALES) or answers.factor_ratings or answers.lost_time
    )
    if not has_answer and not problems:
        problems["non_field_errors"] = ["Give at least one answer."]
    return problems


def response_record_for_invitation(
    *, invitation: Invitation, answers: ResponseInput, now: datetime | None = None
) -> Response:
    """The answer to one invitation: refused when it was answered already or has expired.
    The invitation is claimed with a conditional update, so two submissions at once give one
    response."""
    now = now or timezone.now()
    problems = response_problems(answers, asked=None if invitation.kind == "relationship" else invitation.kinds)
    if answers.lost_time and invitation.kind == "relationship" and "lost_time" not in problems:
        problems["lost_time"] = ["Lost time is asked after a ticket, not in a relationship survey."]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, responded_at__isnull=True, expires_at__gt=now).update(
            responded_at=now, status=InvitationStatus.RESPONDED
        )
        if not claimed:
            invitation.refresh_from_db()
            if invitation.responded_at is not None:
                raise ValidationError("This survey has been answered already: thank you.")
            raise ValidationError("This survey link has expired.")
        response = _create(
            service=invitation.service,
            ticket_id=invitation.ticket_id,
            business_unit=invitation.business_unit,
            kind=invitation.kind,
            source=ResponseSource.WEB,
            respondent_email=invitation.email,
            answers=answers,
            submitted_at=now,
            invitation=invitation,
        )
    return response


def response_record_external(
    *,
    service: Service,
    external_id: str,
    answers: ResponseInput,
    submitted_at: datetime,
    respondent_email: str = "",
    business_unit: BusinessUnit | None = None,
    ticket=None,
    kind: str = "event",
    now: datetime | None = None,
) -> tuple[Response, bool]:
    """A response collected by another tool, idempotent by its id: (response, created)."""
    now = now or timezone.now()
    problems = response_problems(answers)
    if answers.lost_time and kind == "relationship" and "lost_time" not in problems:
        problems["lost_time"] = ["Lost time is asked after a ticket, not in a relationship survey."]
    if not external_id:
        problems["external_id"] = ["Give the response's id in your tool, so a repeat changes nothing."]
    if submitted_at is None or timezone.is_naive(submitted_at):
        problems["submitted_at"] = ["Give the time with a time zone or UTC offset."]
    elif submitted_at > now + CLOCK_SKEW:
        problems["submitted_at"] = ["A response cannot come from the future."]
    if problems:
        raise ValidationError(problems)
    existing = Response.objects.filter(source=ResponseSource.API, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                _create(
                    service=service,
                    ticket_id=ticket.pk if ticket else None,
                    business_unit=business_unit,
                    kind=kind,
                    source=ResponseSource.API,
                    external_id=external_id,
                    respondent_email=respondent_email,
                    answers=answers,
                    submitted_at=submitted_at,
                ),
                True,
            )
    except IntegrityError:  # the same id arrived twice at once: the other one won
        return Response.objects.get(source=ResponseSource.API, external_id=external_id), False


def _create(*, answers: ResponseInput, **fields) -> Response:
    response = Response.objects.create(
        csat=answers.csat,
        nps=answers.nps,
        ces=answers.ces,
        factor_ratings=answers.factor_ratings or {},
        comment=(answers.comment or "").strip(),
        lost_time=answers.lost_time or "",
        **fields,
    )
    follow_up_open_if_detractor(response=response)
    themes_match_response(response=response)
    return response
