"""The commitments' list page from `.values()` rows (catalog/api/value_rows.py), exactly as
CommitmentSerializer writes it (pinned by tests/api/test_value_rows.py): the rows' columns and
their check-ins in two queries, the status computed from them (sla.commitments, pure), instead of
model instances with five related rows each and DRF's field-by-field walk."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

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
from sla.commitments import CheckInFact, CommitmentFacts, CommitmentState, commitment_status
from sla.models import CheckIn

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


def commitments_with_state(queryset: QuerySet, *, now: datetime) -> list[tuple[dict, CommitmentState]]:
    """(row, status at `now`) of each commitment in `queryset`, in its order: sla.commitment_selectors'
    commitments_with_state, from `.values()` rows. On PostgreSQL the check-ins come with the rows
    (two ordered arrays: a query fewer); elsewhere in a query of their own."""
    queryset = queryset.prefetch_related(None)
    if connection.vendor == "postgresql":
        rows = list(
            queryset.annotate(check_in_at=_check_ins("at"), check_in_done=_check_ins("percent_done")).values(
                *COMMITMENT_COLUMNS, "check_in_at", "check_in_done"
            )
        )
        check_ins = {
            row["id"]: [
                CheckInFact(at=at, percent_done=done)
                for at, done in zip(row["check_in_at"] or (), row["check_in_done"] or (), strict=True)
            ]
            for row in rows
        }
    else:
        rows = list(queryset.values(*COMMITMENT_COLUMNS))
        check_ins = defaultdict(list)
        found = (
            CheckIn.objects.filter(commitment_id__in=[row["id"] for row in rows])
            .order_by("commitment_id", "at", "pk")
            .values_list("commitment_id", "at", "percent_done")
        )
        for commitment_id, at, percent_done in found if rows else ():
            check_ins[commitment_id].append(CheckInFact(at=at, percent_done=percent_done))
    return [(row, commitment_status(_facts(row), check_ins[row["id"]], now)) for row in rows]


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


@one_time_zone()
def commitment_rows(pairs: list[tuple[dict, CommitmentState]], *, request) -> list[dict]:
    from sla.api.commitments import CommitmentSerializer

    fields = dict(converters(CommitmentSerializer(), [*_CONVERTED, *_STATE_CONVERTED]))
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
