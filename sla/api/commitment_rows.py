"""The commitments' list page from `.values()` rows (catalog/api/value_rows.py), exactly as
CommitmentSerializer writes it (pinned by tests/api/test_value_rows.py): the rows' columns and
their check-ins in two queries, the status computed from them (sla.commitments, pure), instead of
model instances with five related rows each and DRF's field-by-field walk."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from catalog.api.compiled import CompiledValues
from catalog.api.value_rows import (
    converters,
    one_time_zone,
    person_columns,
    person_of,
    plain,
    ref_columns,
    ref_of,
    url_maker,
)
from sla import commitment_selectors
from sla.commitments import CheckInFact, CommitmentFacts, CommitmentState, commitment_status
from sla.models import CheckIn, Commitment

COMMITMENT_COLUMNS = (
    "id",
    *ref_columns("service"),
    *ref_columns("business_unit"),
    "title",
    "definition_of_done",
    *person_columns("owner"),
    "committed_on",
    "due_on",
    "check_in_every",
    "grace",
    "outcome",
    "closed_on",
    "closing_note",
    "service__support_calendar__time_zone",
)
_CONVERTED = ("committed_on", "due_on", "check_in_every", "grace", "outcome", "closed_on")
_STATE_CONVERTED = ("status", "forecast_done_on", "next_check_in_due", "stale_after")


def _commitments_query(*, service: str | None, business_unit: str | None, outcome: list | None) -> QuerySet:
    """sla.commitment_selectors.commitment_list (every commitment, for a user who may see them)
    with the list's filters, soonest due first; on PostgreSQL with their check-ins (two ordered
    arrays: a query fewer)."""
    found = Commitment.objects.order_by("due_on", "pk")
    if service is not None:
        found = found.filter(service__slug=service)
    if business_unit is not None:
        found = found.filter(business_unit__slug=business_unit)
    if outcome is not None:
        found = found.filter(outcome__in=outcome)
    if connection.vendor == "postgresql":
        found = found.annotate(check_in_at=_check_ins("at"), check_in_done=_check_ins("percent_done"))
        return found.values(*COMMITMENT_COLUMNS, "check_in_at", "check_in_done")
    return found.values(*COMMITMENT_COLUMNS)


def _check_ins_query(**filters) -> QuerySet:
    """The check-ins of the same commitments, in order (not on PostgreSQL)."""
    commitments = _commitments_query(**filters).values("pk")
    return (
        CheckIn.objects.filter(commitment__in=commitments)
        .order_by("commitment_id", "at", "pk")
        .values("commitment_id", "at", "percent_done")
    )


_CHECK_IN_COLUMNS = ("check_ins__id", "check_ins__at", "check_ins__percent_done", "check_ins__note")


def _check_ins_of_query(*, commitment: int) -> QuerySet:
    """Commitment `commitment` left-joined to its check-ins, oldest first, with who made each:
    no row for no such commitment, one row of NULLs for one without check-ins."""
    return (
        Commitment.objects.filter(pk=commitment)
        .order_by("check_ins__at", "check_ins__pk")
        .values(*_CHECK_IN_COLUMNS, *person_columns("check_ins__by"))
    )


COMMITMENTS = CompiledValues(_commitments_query)
CHECK_INS = CompiledValues(_check_ins_query)
CHECK_INS_OF = CompiledValues(_check_ins_of_query)


def commitment_list_rows(*, user, service: str | None, business_unit: str | None, outcome: list | None) -> list[dict]:
    """The `.values()` rows of the commitments `user` may see (commitment_list), filtered, each
    with its check-ins (`check_ins`: CheckInFact, oldest first): one compiled query on
    PostgreSQL, two elsewhere."""
    if commitment_selectors.commitment_list(user=user).query.is_empty():  # the scope stays there
        return []
    filters = {"service": service, "business_unit": business_unit, "outcome": outcome}
    rows = COMMITMENTS.rows(**filters)
    if connection.vendor == "postgresql":
        for row in rows:
            at, done = row.pop("check_in_at") or (), row.pop("check_in_done") or ()
            row["check_ins"] = [CheckInFact(at=a, percent_done=d) for a, d in zip(at, done, strict=True)]
        return rows
    found = defaultdict(list)
    for check_in in CHECK_INS.rows(**filters) if rows else ():
        found[check_in["commitment_id"]].append(CheckInFact(at=check_in["at"], percent_done=check_in["percent_done"]))
    for row in rows:
        row["check_ins"] = found[row["id"]]
    return rows


def check_in_rows(*, user, pk: int) -> list[dict] | None:
    """CheckInSerializer(many=True).data of commitment `pk`'s check-ins, oldest first, if `user`
    may see it (commitment_list); None when they may not or it does not exist. One query compiled
    once, where there were two (the commitment in the user's scope, then its check-ins), and no
    serializer walking each check-in's fields."""
    lowest, highest = connection.ops.integer_field_range(Commitment._meta.pk.get_internal_type())
    if not lowest <= pk <= highest:  # as the ORM takes an id out of range: no such row
        return None
    if commitment_selectors.commitment_list(user=user).query.is_empty():  # the scope stays there
        return None
    rows = CHECK_INS_OF.rows(commitment=pk)
    if not rows:
        return None
    return _check_in_shapes(rows) if rows[0]["check_ins__id"] is not None else []


@one_time_zone()
def _check_in_shapes(rows: list[dict]) -> list[dict]:
    at, percent_done, note = _check_in_converters()
    return [
        {
            "id": row["check_ins__id"],
            "at": plain(row["check_ins__at"], at),
            "percent_done": percent_done(row["check_ins__percent_done"]),
            "note": note(row["check_ins__note"]),
            "by": person_of(row, "check_ins__by"),
        }
        for row in rows
    ]


@functools.cache
def _check_in_converters() -> tuple:
    from sla.api.commitments import CheckInSerializer

    return tuple(field for _name, field in converters(CheckInSerializer(), ["at", "percent_done", "note"]))


def with_state(rows: list[dict], *, now: datetime) -> list[tuple[dict, CommitmentState]]:
    """(row, its status at `now`) for each of commitment_list_rows' rows."""
    return [(row, commitment_status(_facts(row), row["check_ins"], now)) for row in rows]


def _check_ins(column: str) -> Subquery:
    from django.contrib.postgres.aggregates import ArrayAgg

    return Subquery(
        CheckIn.objects.filter(commitment_id=OuterRef("pk"))
        .order_by()
        .values("commitment_id")
        .annotate(values=ArrayAgg(column, order_by=("at", "pk")))
        .values("values")
    )


def _facts(row: dict) -> CommitmentFacts:
    return CommitmentFacts(
        committed_on=row["committed_on"],
        due_on=row["due_on"],
        check_in_every=row["check_in_every"],
        grace=row["grace"],
        outcome=row["outcome"],
        closed_on=row["closed_on"],
        time_zone=row["service__support_calendar__time_zone"] or settings.TIME_ZONE,
    )


@functools.cache
def _converters() -> dict:
    from sla.api.commitments import CommitmentSerializer

    return dict(converters(CommitmentSerializer(), [*_CONVERTED, *_STATE_CONVERTED]))


@one_time_zone()
def commitment_rows(pairs: list[tuple[dict, CommitmentState]], *, request) -> list[dict]:
    fields = _converters()
    url = url_maker("commitment-detail", request=request)
    check_ins_url = url_maker("commitment-check-ins", request=request)
    shaped = []
    for row, state in pairs:
        value = {name: plain(row[name], fields[name]) for name in _CONVERTED}
        shaped.append(
            {
                "id": row["id"],
                "url": url(row["id"]),
                "service": ref_of(row, "service"),
                "business_unit": ref_of(row, "business_unit"),
                "title": row["title"],
                "definition_of_done": row["definition_of_done"],
                "owner": person_of(row, "owner"),
                **{name: value[name] for name in ("committed_on", "due_on", "check_in_every", "grace", "outcome")},
                "closed_on": value["closed_on"],
                "closing_note": row["closing_note"],
                "status": plain(state.status, fields["status"]),
                "status_reason": state.reason,
                "percent_done": state.percent_done,
                "forecast_done_on": plain(state.forecast_done_on, fields["forecast_done_on"]),
                "next_check_in_due": plain(state.next_check_in_due, fields["next_check_in_due"]),
                "stale_after": plain(state.stale_after, fields["stale_after"]),
                "check_ins_url": check_ins_url(row["id"]),
            }
        )
    return shaped
