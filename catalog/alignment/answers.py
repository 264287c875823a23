"""IT's answers to a unit's requests for what the catalogue lacks: the first answer, and the
correction of an answer given in error. Keyword-only arguments; bad input raises ValidationError
with field -> messages before anything is written; each answer is in the request's history
(history.py), written in the same transaction."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.alignment import history
from catalog.alignment.alerts import missing_service_request_alerts_resolve
from catalog.alignment.models import (
    ANSWERED_STATES,
    MissingServiceRequest,
    RequestEventKind,
    RequestState,
    ServiceMark,
)
from catalog.alignment.services import TEXT_MAX_LENGTH, _mark, _text, alignment_snapshot_record
from catalog.models import Category, Lifecycle, Service
from catalog.services import service_create

ANSWER_OUTCOMES = ANSWERED_STATES


def answer_checked(
    *,
    request: MissingServiceRequest,
    outcome: str,
    answer: str,
    service: Service | None,
    category: Category | None,
    service_name: str,
    errors: dict,
) -> tuple[str, Service | None, str]:
    """The checks of an answer (first or corrected): (the answer's text, the service to link, the
    new service's name). Messages go into `errors`."""
    if outcome != RequestState.EXISTS:
        service = None  # only "exists" links a service of the caller's choosing
    if outcome not in ANSWER_OUTCOMES:
        errors.setdefault("outcome", []).append(f"Choose one of: {', '.join(ANSWER_OUTCOMES)}.")
    answer = _text(
        answer,
        field="answer",
        label="The reason" if outcome == RequestState.DECLINED else "The explanation",
        errors=errors,
        required=outcome in (RequestState.DECLINED, RequestState.EXISTS),
        max_length=TEXT_MAX_LENGTH,
    )
    if outcome == RequestState.EXISTS:
        if service is None:
            errors.setdefault("service", []).append("Name the service where it already lives.")
        elif service.lifecycle == Lifecycle.RETIRED:
            errors.setdefault("service", []).append(f"{service.name} is retired: it cannot be where this lives.")
    if outcome == RequestState.ADDED and category is None:
        errors.setdefault("category", []).append("Choose the category the new service goes in.")
    name = (service_name or request.title).strip()[:160]
    if outcome == RequestState.ADDED and name and Service.objects.filter(name__iexact=name).exists():
        errors.setdefault("service_name", []).append(
            f"A service named “{name}” exists already: answer that it is already in the catalogue, "
            "or give the new service another name."
        )
    return answer, service, name


def answer_apply(
    *,
    request: MissingServiceRequest,
    actor,
    outcome: str,
    service: Service | None,
    category: Category | None,
    name: str,
    serve_unit: bool,
    now,
) -> tuple[Service | None, Service | None]:
    """What an answer does besides its state (inside its transaction): "added" creates the proposed
    service; the service is linked and marked for the unit. Returns (the linked service, the service
    the answer marked for the unit, None when the unit had marked it itself)."""
    unit = request.business_unit
    if outcome == RequestState.ADDED:
        summary = (request.description.splitlines()[0] if request.description else request.title)[:240]
        service = service_create(
            actor=actor,
            name=name,
            slug=_free_slug(name),
            category=category,
            summary=summary or name,
            description=request.description,
            lifecycle=Lifecycle.PROPOSED,
            business_units=[unit],
        )
    MissingServiceRequest.objects.filter(pk=request.pk).update(service=service)
    marked = None
    if service is not None:
        if _mark(unit.pk, service.pk, actor, now):
            marked = service
        if outcome == RequestState.EXISTS and serve_unit:
            service.business_units.add(unit)
    return service, marked


def missing_service_request_answer(
    *,
    request: MissingServiceRequest,
    actor: AbstractBaseUser,
    outcome: str,
    answer: str = "",
    service: Service | None = None,
    category: Category | None = None,
    service_name: str = "",
    serve_unit: bool = False,
    now=None,
) -> MissingServiceRequest:
    """IT's answer, once (corrected later with missing_service_request_answer_correct):

    - "added": a proposed service is created for it (named `service_name` or the request's title,
      in `category`, owned by `actor`, serving the unit), linked, and marked for the unit;
    - "exists": it already lives in `service`, linked and marked for the unit (`serve_unit`: IT
      also lists the unit among those the service serves); `answer` says where and how;
    - "declined": `answer` gives the reason.

    The request's overdue alert, if any, is resolved in the same transaction; its history
    records the answer."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    answer, service, name = answer_checked(
        request=request,
        outcome=outcome,
        answer=answer,
        service=service,
        category=category,
        service_name=service_name,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claimed = MissingServiceRequest.objects.filter(pk=request.pk, state=RequestState.OPEN).update(
            state=outcome, answer=answer, answered_by=actor, answered_at=now
        )
        if claimed != 1:
            raise ValidationError("This request has been answered already, or withdrawn.")
        service, marked = answer_apply(
            request=request,
            actor=actor,
            outcome=outcome,
            service=service,
            category=category,
            name=name,
            serve_unit=serve_unit,
            now=now,
        )
        history.request_event_record(
            request=request,
            kind=RequestEventKind.ANSWERED,
            actor=actor,
            now=now,
            changes=history.changes_between(
                {"state": request.state}, {"state": outcome, "service": service, "answer": answer}
            ),
            marked_service=marked,
        )
        missing_service_request_alerts_resolve(request_ids=[request.pk], now=now)
        alignment_snapshot_record(unit=request.business_unit, now=now)
    request.refresh_from_db()
    return request


def _free_slug(name: str) -> str:
    base = slugify(name)[:150] or "service"
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def missing_service_request_answer_correct(
    *,
    request: MissingServiceRequest,
    actor: AbstractBaseUser,
    outcome: str,
    note: str,
    answer: str = "",
    service: Service | None = None,
    category: Category | None = None,
    service_name: str = "",
    serve_unit: bool = False,
    now=None,
) -> MissingServiceRequest:
    """Correct an answer given in error: a new decision, linked service or reason, with `note`
    saying what was wrong (required). The mark the wrong answer made for the unit is undone (a
    mark the unit made itself stays); a service the wrong answer added stays in the catalogue,
    proposed, for IT to retire or keep. When and by whom the request was first answered stay
    (they measure how long IT took to answer); the history records the correction."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    note = history.note_clean(note, errors, required=True, label="What was wrong")
    answer, service, name = answer_checked(
        request=request,
        outcome=outcome,
        answer=answer,
        service=service,
        category=category,
        service_name=service_name,
        errors=errors,
    )
    if outcome == RequestState.ADDED and request.state == RequestState.ADDED:
        errors.setdefault("outcome", []).append(
            "It was added to the catalogue already: change that service on its own page."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = (
            MissingServiceRequest.objects.select_for_update(of=("self",))
            .select_related("business_unit", "service")
            .filter(pk=request.pk)
            .first()
        )
        if current is None or current.state not in ANSWERED_STATES:
            raise ValidationError("IT has not answered this request (or it was withdrawn): no answer to correct.")
        if (current.state, current.service_id, current.answer) == (outcome, getattr(service, "pk", None), answer):
            raise ValidationError("That is the answer already given: change the decision, the service or the reason.")
        before = {"state": current.state, "service": current.service, "answer": current.answer}
        last = (
            current.events.filter(kind__in=(RequestEventKind.ANSWERED, RequestEventKind.CORRECTED))
            .order_by("-at", "-id")
            .first()
        )
        MissingServiceRequest.objects.filter(pk=current.pk).update(state=outcome, answer=answer)
        linked, marked = answer_apply(
            request=current,
            actor=actor,
            outcome=outcome,
            service=service,
            category=category,
            name=name,
            serve_unit=serve_unit,
            now=now,
        )
        wrong_mark = last.marked_service_id if last is not None else None
        if wrong_mark is not None:
            if linked is not None and linked.pk == wrong_mark:
                marked = linked  # still the answer's mark, not the unit's
            else:
                ServiceMark.objects.filter(business_unit=current.business_unit, service_id=wrong_mark).delete()
        history.request_event_record(
            request=current,
            kind=RequestEventKind.CORRECTED,
            actor=actor,
            now=now,
            note=note,
            changes=history.changes_between(before, {"state": outcome, "service": linked, "answer": answer}),
            marked_service=marked,
        )
        missing_service_request_alerts_resolve(request_ids=[current.pk], now=now)
        alignment_snapshot_record(unit=current.business_unit, now=now)
    request.refresh_from_db()
    return request
