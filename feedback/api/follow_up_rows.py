"""The follow-ups' list page from `.values()` rows (catalog/api/value_rows.py), exactly as
FollowUpSerializer writes it (pinned by tests/api/test_value_rows.py): one query of the columns
it shows instead of model instances with five related rows each and DRF's field-by-field walk."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

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
from feedback.models import FollowUpState

_ANSWER = ("id", "submitted_at", "respondent_email", "source", "csat", "nps", "ces", "comment")
FOLLOW_UP_COLUMNS = (
    "id",
    *ref_columns("service"),
    *person_columns("owner"),
    "state",
    "due_at",
    "contacted_at",
    "outcome",
    "learned",
    "closed_at",
    *(f"response__{name}" for name in _ANSWER),
    "response__ticket__external_id",
)
_TIMES = ("due_at", "contacted_at", "closed_at")


def follow_up_values(queryset: QuerySet) -> QuerySet:
    return queryset.values(*FOLLOW_UP_COLUMNS)


@one_time_zone()
def follow_up_rows(rows: list[dict], *, request, now: datetime) -> list[dict]:
    from feedback.api.follow_ups import AnswerSerializer, FollowUpSerializer

    fields = dict(converters(FollowUpSerializer(), ["state", *_TIMES]))
    answer_fields = converters(AnswerSerializer(), _ANSWER)
    url = url_maker("follow-up-detail", request=request)
    shaped = []
    for row in rows:
        value = {name: plain(row[name], to) for name, to in fields.items()}
        ticket = row["response__ticket__external_id"]
        shaped.append(
            {
                "id": row["id"],
                "url": url(row["id"]),
                "service": ref_of(row, "service"),
                "owner": person_of(row, "owner"),
                "state": value["state"],
                "due_at": value["due_at"],
                "overdue": row["state"] == FollowUpState.OPEN and now > row["due_at"],
                "contacted_at": value["contacted_at"],
                "outcome": row["outcome"],
                "learned": row["learned"],
                "closed_at": value["closed_at"],
                "response": {
                    **{name: plain(row[f"response__{name}"], to) for name, to in answer_fields},
                    "ticket": None if ticket is None else str(ticket),
                },
            }
        )
    return shaped
