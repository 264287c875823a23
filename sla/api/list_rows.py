"""The SLA engine's list pages from `.values()` rows (catalog/api/value_rows.py): tickets, alerts
and measurements, exactly as TicketSerializer, AlertSerializer and MeasurementSerializer write
them (pinned by tests/api/test_value_rows.py)."""

from __future__ import annotations

from functools import cache

from django.db.models import QuerySet

from catalog.api.value_rows import converters, plain, ref_columns, ref_of, url_maker
from sla.api import serializers as s

_TICKET_TIMES = ("opened_at", "resolved_at", "closed_at", "updated_at")
_TICKET_FIELDS = dict(converters(s.TicketSerializer(), ["state", *_TICKET_TIMES]))
TICKET_COLUMNS = (
    "id",
    "source",
    "external_id",
    *ref_columns("service"),
    *ref_columns("business_unit"),
    "agreement_id",
    "priority",
    "impact",
    "urgency",
    "title",
    "requester",
    "assignee",
    "state",
    *_TICKET_TIMES,
)


def ticket_values(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(None).values(*TICKET_COLUMNS)


def ticket_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("ticket-detail", request=request)
    to = _TICKET_FIELDS
    return [
        {
            "id": row["id"],
            "url": url(row["id"]),
            "source": row["source"],
            "external_id": row["external_id"],
            "service": ref_of(row, "service"),
            "business_unit": ref_of(row, "business_unit"),
            "agreement": row["agreement_id"],
            "priority": row["priority"],
            "impact": row["impact"],
            "urgency": row["urgency"],
            "title": row["title"],
            "requester": row["requester"],
            "assignee": row["assignee"],
            "state": plain(row["state"], to["state"]),
            **{name: plain(row[name], to[name]) for name in _TICKET_TIMES},
        }
        for row in rows
    ]


_ALERT_TIMES = ("due_at", "opened_at", "acknowledged_at", "resolved_at")
_ALERT_FIELDS = dict(converters(s.AlertSerializer(), ["kind", "severity", "state", *_ALERT_TIMES]))
ALERT_COLUMNS = (
    "id",
    "key",
    "kind",
    "severity",
    "state",
    "subject",
    "body",
    *ref_columns("service"),
    "ticket_id",
    "owner__username",
    "details",
    *_ALERT_TIMES,
    "acknowledged_by__username",
)


def alert_values(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(None).values(*ALERT_COLUMNS)


def alert_rows(rows: list[dict], *, request) -> list[dict]:
    url = url_maker("alert-detail", request=request)
    ticket_url = url_maker("ticket-detail", request=request)
    to = _ALERT_FIELDS
    return [
        {
            "id": row["id"],
            "url": url(row["id"]),
            "key": row["key"],
            "kind": plain(row["kind"], to["kind"]),
            "severity": plain(row["severity"], to["severity"]),
            "state": plain(row["state"], to["state"]),
            "subject": row["subject"],
            "body": row["body"],
            "service": ref_of(row, "service"),
            "ticket": None if row["ticket_id"] is None else ticket_url(row["ticket_id"]),
            "owner": row["owner__username"],
            "due_at": plain(row["due_at"], to["due_at"]),
            "details": row["details"],
            "opened_at": plain(row["opened_at"], to["opened_at"]),
            "acknowledged_at": plain(row["acknowledged_at"], to["acknowledged_at"]),
            "acknowledged_by": row["acknowledged_by__username"],
            "resolved_at": plain(row["resolved_at"], to["resolved_at"]),
        }
        for row in rows
    ]


@cache
def _measurement_fields() -> dict:
    from sla.api.measurements import MeasurementSerializer  # that module lists with these rows

    return dict(converters(MeasurementSerializer(), ["value", "measured_at", "source", "created_at"]))


MEASUREMENT_COLUMNS = (
    "id",
    *ref_columns("service"),
    "measure_key",
    "value",
    "measured_at",
    "sender_id",
    "source",
    "note",
    "recorded_by__username",
    "created_at",
)


def measurement_values(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(None).values(*MEASUREMENT_COLUMNS)


def measurement_rows(rows: list[dict]) -> list[dict]:
    to = _measurement_fields()
    return [
        {
            "id": row["id"],
            "service": ref_of(row, "service"),
            "measure": row["measure_key"],
            "value": plain(row["value"], to["value"]),
            "measured_at": plain(row["measured_at"], to["measured_at"]),
            "sender_id": row["sender_id"],
            "source": plain(row["source"], to["source"]),
            "note": row["note"],
            "recorded_by": row["recorded_by__username"],
            "created_at": plain(row["created_at"], to["created_at"]),
        }
        for row in rows
    ]
