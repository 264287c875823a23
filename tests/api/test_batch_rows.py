"""catalog.api.batch_rows.BatchRowParser: for any row, the same result or the same messages as
the serializer it is compiled from (the fast checks only ever skip DRF for rows it accepts)."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from catalog.api.batch_rows import BatchRowParser
from sla.api.measurements import MeasuredAtField, MeasurementInSerializer
from sla.api.serializers import TICKET_EVENT_FAST_AS, TicketEventSerializer


def outcome(parse, row):
    try:
        parsed = parse(row)
        # aware datetimes compare equal across zones: compare the zone too
        return ("ok", {k: (v, v.tzinfo) if isinstance(v, datetime) else v for k, v in parsed.items()})
    except ValidationError as error:
        return ("error", error.detail)


TEXT = st.one_of(
    st.sampled_from(["payroll", "queries", " padded ", "", "a" * 81, "a" * 201, "x\x00y", "\ud800", "café", "a b"]),
    st.text(max_size=12),
)
VALUES = st.one_of(
    TEXT,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["12.5", "1e3", "nan", "2026-11-02T09:00:00Z", "2026-11", "2026-W45", "2026-02-30T09:00Z"]),
    st.sampled_from(["opened", "resolved", "reopened", "nonsense", "a@example.com", "not an email", 3, 6, 0]),
    st.lists(st.integers(), max_size=2),
)
INSTANTS = st.one_of(
    st.sampled_from(
        [
            "2026-11-02T09:00:00+01:00",
            "2026-11-02 09:00:00.5-05:30",
            "2026-11-02T09:00:00",  # naive: refused by AwareDateTimeField
            " 2026-11-02T09:00:00Z",
            "2026-11-02T09:00:00Z\n",
            "20261102T090000Z",
            "2026-W45-1T09:00Z",
            "2026-11-02",
            "0001-01-01T00:00:00+05:00",  # out of range once in UTC
            "9999-12-31T23:59:59-05:00",
            "2026-13-02T09:00:00Z",
            "2026-11-02T24:00:00Z",
            "2026-11-02T09:00:00+25:00",
        ]
    ),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda at: at.isoformat()),
)


def rows(field_names):
    return st.dictionaries(st.sampled_from(field_names), VALUES, max_size=len(field_names) + 1)


MEASUREMENT_FIELDS = ["service", "measure", "value", "measured_at", "sender_id", "note", "extra"]
EVENT_FIELDS = [*TicketEventSerializer().fields, "extra"]
EVENT_ROWS = st.one_of(
    rows(EVENT_FIELDS),
    # nearly valid events, one field at a time off the plain path
    st.fixed_dictionaries(
        {
            "source": st.sampled_from(["bench", "jira"]),
            "external_id": st.sampled_from(["INC1", "PROJ-12"]),
            "kind": st.sampled_from(["opened", "resolved"]),
            "occurred_at": INSTANTS,
            "idempotency_key": st.sampled_from(["k1", "k2"]),
        },
        optional={name: VALUES for name in EVENT_FIELDS[5:]},
    ),
)


@settings(max_examples=300, deadline=None)
@given(row=rows(MEASUREMENT_FIELDS))
def test_measurement_rows_parse_as_the_serializer_does(row):
    serializer = MeasurementInSerializer()
    fast = BatchRowParser(MeasurementInSerializer(), fast_as={"value": serializers.FloatField})
    assert outcome(fast.parse, row) == outcome(serializer.run_validation, row)


@settings(max_examples=400, deadline=None)
@given(row=EVENT_ROWS)
def test_ticket_event_rows_parse_as_the_serializer_does(row):
    """The parser of POST /api/v1/ticket-events/: the serializer's result, or its messages word for word."""
    serializer = TicketEventSerializer()
    fast = BatchRowParser(TicketEventSerializer(), fast_as=TICKET_EVENT_FAST_AS)
    assert outcome(fast.parse, row) == outcome(serializer.run_validation, row)


def test_a_plain_ticket_event_skips_the_serializer(monkeypatch):
    fast = BatchRowParser(TicketEventSerializer(), fast_as=TICKET_EVENT_FAST_AS)
    monkeypatch.setattr(fast.serializer, "run_validation", lambda row: pytest.fail("the serializer was called"))
    row = {
        "source": "bench",
        "external_id": "INC1",
        "kind": "opened",
        "occurred_at": "2026-11-02T09:00:00+01:00",
        "idempotency_key": "INC1:0",
        "service": "payroll",
        "priority": 2,
    }
    parsed = fast.parse(row)
    assert parsed["occurred_at"] == datetime(2026, 11, 2, 8, tzinfo=UTC)
    assert parsed["occurred_at"].tzinfo == timezone.get_current_timezone()


def test_a_plainly_valid_row_skips_the_serializer(monkeypatch):
    fast = BatchRowParser(MeasurementInSerializer(), fast_as={"value": serializers.FloatField})
    monkeypatch.setattr(fast.serializer, "run_validation", lambda row: pytest.fail("the serializer was called"))
    row = {"service": "payroll", "measure": "q", "value": 3, "measured_at": "2026-11", "sender_id": "s-1"}
    parsed = fast.parse(row)
    assert (parsed["value"], type(parsed["value"]), parsed["note"]) == (3.0, float, "")


def test_serializers_it_cannot_mirror_are_refused():
    class Whole(serializers.Serializer):
        a = serializers.CharField()

        def validate(self, attrs):
            return attrs

    class PerField(serializers.Serializer):
        a = serializers.CharField()

        def validate_a(self, value):
            return value

    for serializer in (Whole(), PerField()):
        with pytest.raises(TypeError):
            BatchRowParser(serializer)


def _measured_at_as_before(data):
    """MeasuredAtField's parse without its shortcut for instants: measured_at_parse, then the
    naive check (what the field did for every value before the shortcut)."""
    from sla.services.measurements import measured_at_parse

    field = MeasuredAtField()
    parsed = measured_at_parse(data) if isinstance(data, str) else None
    if parsed is None:
        field.fail("invalid")
    if isinstance(parsed, datetime) and timezone.is_naive(parsed):
        field.fail("naive")
    return parsed


INSTANTS = st.builds(
    lambda moment, offset, form, pad: (
        pad + (moment.replace(tzinfo=offset).isoformat(**form) if offset else moment.isoformat(**form)) + pad
    ),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.one_of(st.none(), st.just(UTC), st.timezones().map(lambda zone: datetime.now(zone).tzinfo)),
    st.sampled_from([{}, {"timespec": "minutes"}, {"timespec": "microseconds"}, {"sep": " "}]),
    st.sampled_from(["", " ", "\t"]),
)


@settings(max_examples=400, deadline=None)
@given(
    data=st.one_of(
        INSTANTS,
        VALUES,
        st.sampled_from(
            [
                "2026-11-02T09:00Z",
                "2026-11-02T09:00:00+0100",
                "20261102T0900Z",
                "2026-11-02 09:00:00.5+05:30",
                "2026-11-02T09:00:00z",
            ]
        ),
    )
)
def test_measured_at_reads_an_instant_as_measured_at_parse_does(data):
    """The field's shortcut for an instant with an offset gives what measured_at_parse gives,
    zone included, and every other value the same result or message."""
    assert outcome(lambda v: {"at": MeasuredAtField().to_internal_value(v)}, data) == outcome(
        lambda v: {"at": _measured_at_as_before(v)}, data
    )
