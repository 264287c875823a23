"""Measurements in (sla.services.measurements_record): all-or-nothing batches, the checks that
name the row, idempotency by the sender's id, rights, and a constant number of queries."""

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import rules as roles
from catalog import services as catalog_services
from catalog.models import Measure
from sla.models import Measurement, MeasurementSource
from sla.services import MeasurementInput, calendar_create, measurement_rows, measurement_store, measurements_record
from sla.services import measurements as m
from sla.services.measurements import LocalPeriod, measured_at_parse
from tests import factories as f
from tests.sla.conftest import at

NOW = at(20, 12)  # Friday 20 November 2026, 12:00 UTC


def add_measure(agreement, key="payslips-on-time", name="Payslips on time", **fields) -> Measure:
    values = {
        "factor": "results",
        "unit": "%",
        "target": 95,
        "valid_min": 0,
        "valid_max": 100,
        "period": "month",
        "aggregation": "mean",
        "source": "pushed",
    }
    values.update(fields)
    return Measure.objects.create(agreement=agreement, key=key, name=name, **values)


def point(value=97.5, when=None, sender_id="p-1", measure="payslips-on-time", service="payroll", note=""):
    return MeasurementInput(
        service=service,
        measure=measure,
        value=value,
        measured_at=when or at(18, 9),
        sender_id=sender_id,
        note=note,
    )


def record(items, actor=None, **kwargs):
    return measurements_record(items=items, actor=actor, source=MeasurementSource.API, now=NOW, **kwargs)


def messages(error: ValidationError) -> dict[str, str]:
    return {key: values[0] for key, values in error.message_dict.items()}


@pytest.fixture
def payslips(sla):
    return add_measure(sla["agreement"])


# --- Stored, repeated, all-or-nothing -------------------------------------------------------


def test_a_point_is_stored_with_who_sent_it(sla, payslips):
    result = record([point(note="From the payroll run")], actor=sla["owner"])
    assert (result.created, result.duplicates) == (1, 0)
    stored = Measurement.objects.get()
    assert (stored.service, stored.measure_key, stored.value) == (sla["service"], "payslips-on-time", 97.5)
    assert stored.measured_at == at(18, 9)
    assert (stored.sender_id, stored.source, stored.note) == ("p-1", "api", "From the payroll run")
    assert stored.recorded_by == sla["owner"]


def test_a_repeated_sender_id_changes_nothing(sla, payslips):
    record([point()])
    result = record([point(note="sent again")])
    assert (result.created, result.duplicates) == (0, 1)
    assert Measurement.objects.get().note == ""


def test_the_same_sender_id_for_another_point_is_refused(sla, payslips):
    record([point()])
    with pytest.raises(ValidationError) as raised:
        record([point(sender_id="p-2", value=90), point(value=12)])
    assert messages(raised.value) == {
        "rows[1].sender_id": "Sender id 'p-1' was already used for 97.5 at 2026-11-18T09:00:00+00:00; "
        "one sender id names one data point: give a new point a new id."
    }
    assert Measurement.objects.count() == 1  # p-2 was not stored either
    with pytest.raises(ValidationError):
        record([point(when=at(18, 10))])  # same value, another time: another point


def test_one_bad_row_stores_nothing_and_is_named(sla, payslips):
    batch = [point(sender_id="a"), point(sender_id="b"), point(sender_id="c", value=142)]
    with pytest.raises(ValidationError) as raised:
        record(batch)
    assert messages(raised.value) == {"rows[2].value": "142 is outside the valid range 0 to 100 of 'Payslips on time'."}
    assert not Measurement.objects.exists()


def test_a_single_point_is_named_by_field(sla, payslips):
    with pytest.raises(ValidationError) as raised:
        record([point(value=-1)], many=False)
    assert list(messages(raised.value)) == ["value"]


def test_a_sender_id_twice_in_one_batch(sla, payslips):
    result = record([point(), point(), point(sender_id="p-2")])
    assert (result.created, result.duplicates) == (2, 1)
    with pytest.raises(ValidationError) as raised:
        record([point(sender_id="x"), point(sender_id="y"), point(sender_id="x", value=50)])
    assert messages(raised.value) == {
        "rows[2].sender_id": "Sender id 'x' is also used by rows[0] for a different point; "
        "one sender id names one data point."
    }


def test_sender_ids_are_per_measure(sla, payslips):
    add_measure(sla["agreement"], key="queries", name="Payroll queries", valid_max=None, aggregation="sum")
    result = record([point(sender_id="run-1"), point(sender_id="run-1", measure="queries", value=3)])
    assert result.created == 2


# --- What is refused --------------------------------------------------------------------


def test_unknown_service_and_measure(sla, payslips):
    with pytest.raises(ValidationError) as raised:
        record([point(service="nope")])
    assert messages(raised.value) == {"rows[0].service": "Unknown service 'nope'."}
    with pytest.raises(ValidationError) as raised:
        record([point(), point(measure="smiles")])
    assert messages(raised.value) == {
        "rows[1].measure": "Unknown measure 'smiles' for Payroll: no agreement version of the service "
        "(draft, proposed or agreed) defines it."
    }


def test_a_measure_of_a_withdrawn_version_accepts_no_data(sla):
    other = f.BusinessUnitFactory(slug="sales")
    draft = catalog_services.agreement_draft_create(
        service=sla["service"], business_unit=other, actor=sla["owner"], scope="Sales."
    )
    add_measure(draft, key="commission-on-time")
    assert record([point(measure="commission-on-time")]).created == 1  # drafts collect data
    catalog_services.agreement_withdraw(agreement=draft, actor=sla["owner"])
    with pytest.raises(ValidationError, match="Unknown measure 'commission-on-time'"):
        record([point(measure="commission-on-time", sender_id="p-2")])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"source": "tickets", "ticket_metric": "resolved_in_time"},
            "'P1 in time' is derived from tickets: Accord computes it, it is not sent.",
        ),
        (
            {"source": "feedback", "feedback_metric": "csat"},
            "'P1 in time' is derived from feedback: Accord computes it, it is not sent.",
        ),
    ],
)
def test_derived_measures_are_not_sent(sla, fields, message):
    add_measure(sla["agreement"], key="p1-in-time", name="P1 in time", **fields)
    with pytest.raises(ValidationError) as raised:
        record([point(measure="p1-in-time")])
    assert messages(raised.value) == {"rows[0].measure": message}


def test_manual_measures_accept_data_too(sla):
    add_measure(sla["agreement"], source="manual")
    assert record([point()]).created == 1


@pytest.mark.parametrize(
    ("low", "high", "value", "message"),
    [
        (0, None, -0.5, "-0.5 is outside the valid range (at least 0) of 'Payslips on time'."),
        (None, 10, 10.25, "10.25 is outside the valid range (at most 10) of 'Payslips on time'."),
        (-5, 5, 5.0001, "5.0001 is outside the valid range -5 to 5 of 'Payslips on time'."),
    ],
)
def test_range_messages(sla, low, high, value, message):
    add_measure(sla["agreement"], valid_min=low, valid_max=high)
    with pytest.raises(ValidationError) as raised:
        record([point(value=value)])
    assert messages(raised.value) == {"rows[0].value": message}


def test_bounds_are_inclusive_and_an_open_range_takes_anything(sla):
    add_measure(sla["agreement"])
    add_measure(sla["agreement"], key="queries", name="Queries", valid_min=None, valid_max=None)
    assert record([point(value=0, sender_id="lo"), point(value=100, sender_id="hi")]).created == 2
    assert record([point(measure="queries", value=-1e12)]).created == 1


def test_every_definition_of_a_key_must_accept_the_value(sla):
    """Two units' agreements define the same key with different ranges: a point counts for both."""
    add_measure(sla["agreement"], valid_max=100)
    sales = f.BusinessUnitFactory(slug="sales")
    draft = catalog_services.agreement_draft_create(
        service=sla["service"], business_unit=sales, actor=sla["owner"], scope="Sales."
    )
    add_measure(draft, name="Sales payslips on time", valid_max=50)
    with pytest.raises(ValidationError) as raised:
        record([point(value=75)])
    assert messages(raised.value) == {
        "rows[0].value": "75 is outside the valid range 0 to 50 of 'Sales payslips on time'."
    }


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "12", None])
def test_values_must_be_finite_numbers(sla, payslips, value):
    with pytest.raises(ValidationError) as raised:
        record([point(value=value)])
    assert list(messages(raised.value)) == ["rows[0].value"]
    assert "not a finite number" in messages(raised.value)["rows[0].value"]


def test_shape_problems_are_named(sla, payslips):
    with pytest.raises(ValidationError) as raised:
        record(
            [
                point(sender_id=""),
                point(sender_id="x" * 201),
                point(when=datetime(2026, 11, 18, 9)),
                point(note="n" * 501),
                point(measure=""),
            ]
        )
    assert messages(raised.value) == {
        "rows[0].sender_id": "Give the sender's id for this point (it makes a repeat harmless).",
        "rows[1].sender_id": "At most 200 characters.",
        "rows[2].measured_at": "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00Z.",
        "rows[3].note": "At most 500 characters.",
        "rows[4].measure": "Name the measure by its key.",
    }


def test_empty_and_oversized_batches(sla, payslips):
    with pytest.raises(ValidationError, match="at least one"):
        record([])
    with pytest.raises(ValidationError, match="at most 5,000 measurements at once, not 5,001"):
        record([point(sender_id=str(n)) for n in range(5001)])


def test_problems_of_many_rows_are_reported_in_part(sla, payslips):
    with pytest.raises(ValidationError) as raised:
        record([point(sender_id=str(n), value=200) for n in range(80)])
    found = messages(raised.value)
    assert len(found) == 51
    assert "rows[49].value" in found and "rows[50].value" not in found
    assert found["rows"] == "…and 30 more rows with problems; nothing was recorded."


# --- Time: instants, days and periods, the future ----------------------------------------


def test_a_time_in_the_future_is_refused_beyond_the_clock_skew(sla, payslips):
    assert record([point(when=NOW + timedelta(minutes=4), sender_id="skewed")]).created == 1
    with pytest.raises(ValidationError) as raised:
        record([point(when=NOW + timedelta(minutes=6))])
    assert messages(raised.value) == {
        "rows[0].measured_at": "2026-11-20T12:06:00+00:00 is in the future; send a measurement once it is taken."
    }


@pytest.fixture
def london(sla):
    """Payroll supported in Europe/London: periods start at London midnight."""
    service = sla["service"]
    service.support_calendar = calendar_create(name="London", time_zone="Europe/London", is_24x7=True)
    service.save(update_fields=["support_calendar"])
    return service


def test_a_day_or_period_is_stored_at_its_start_in_the_services_zone(sla, payslips, london):
    summer = datetime(2026, 6, 30, 23, tzinfo=UTC)  # 1 July 00:00 in London (BST)
    record(
        [
            point(when=LocalPeriod.of_day(date(2026, 7, 1)), sender_id="day"),
            point(when=measured_at_parse("2026-07"), sender_id="month"),
            point(when=measured_at_parse("2026-Q3"), sender_id="quarter"),
            point(when=measured_at_parse("2026-W27"), sender_id="week"),  # Monday 29 June
        ]
    )
    stored = dict(Measurement.objects.values_list("sender_id", "measured_at"))
    assert stored["day"] == stored["month"] == stored["quarter"] == summer
    assert stored["week"] == datetime(2026, 6, 28, 23, tzinfo=UTC)


def test_a_period_that_has_not_started_is_refused(sla, payslips, london):
    assert record([point(when=measured_at_parse("2026-11"), sender_id="this-month")]).created == 1
    with pytest.raises(ValidationError) as raised:
        record([point(when=measured_at_parse("2026-12"))])
    assert messages(raised.value) == {
        "rows[0].measured_at": "2026-12 has not started yet (it starts on 01 December 2026 in Europe/London); "
        "send a period's data once it has begun."
    }
    with pytest.raises(ValidationError, match="2026-11-21 has not started yet"):
        record([point(when=LocalPeriod.of_day(date(2026, 11, 21)))])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02", LocalPeriod(date(2026, 11, 2), "2026-11-02")),
        ("2026-11", LocalPeriod(date(2026, 11, 1), "2026-11")),
        ("2026-q4", LocalPeriod(date(2026, 10, 1), "2026-Q4")),
        ("2026Q1", LocalPeriod(date(2026, 1, 1), "2026Q1")),
        ("2026-W01", LocalPeriod(date(2025, 12, 29), "2026-W01")),
        (" 2026-11-02T09:30:00+01:00 ", datetime(2026, 11, 2, 8, 30, tzinfo=UTC)),
        ("2026-11-02T09:30Z", datetime(2026, 11, 2, 9, 30, tzinfo=UTC)),
        ("2026-13", None),
        ("2026-02-30", None),
        ("2026-W54", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_measured_at_parse(text, expected):
    assert measured_at_parse(text) == expected


def test_measured_at_parse_keeps_a_time_without_offset_naive():
    parsed = measured_at_parse("2026-11-02 09:30")
    assert parsed == datetime(2026, 11, 2, 9, 30) and parsed.tzinfo is None


# --- Rights ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), ("integration", True), ("admin", True), ("other_owner", False), ("rep", False)],
)
def test_who_may_record(sla, payslips, who, allowed):
    actor = {
        "owner": sla["owner"],
        "integration": f.UserFactory(roles=[roles.INTEGRATIONS]),
        "admin": f.admin_user(),
        "other_owner": f.service_owner(),
        "rep": sla["rep"],
    }[who]
    if allowed:
        assert record([point()], actor=actor).created == 1
    else:
        with pytest.raises(PermissionDenied, match=r"You may not record measurements for Payroll\."):
            record([point()], actor=actor)
        assert not Measurement.objects.exists()


# --- Speed and concurrency ---------------------------------------------------------------


# SQLite takes at most 999 parameters a statement, so Django splits inserts of more than 111
# points there; PostgreSQL takes a batch of 5,000 in one statement.
@pytest.mark.parametrize("size", [5, 100, pytest.param(2500, marks=pytest.mark.postgres)])
def test_a_constant_number_of_queries(sla, payslips, size, django_assert_num_queries):
    add_measure(sla["agreement"], key="queries", name="Queries", valid_max=None)
    integration = f.UserFactory(roles=[roles.INTEGRATIONS])
    old = [point(sender_id=f"old-{n}", measure=("payslips-on-time", "queries")[n % 2]) for n in range(size)]
    record(old)
    new = [point(sender_id=f"new-{n}", measure=("payslips-on-time", "queries")[n % 2]) for n in range(size)]
    # services, rights (groups), measures; the write that assumes every point new, refused by the
    # unique key (savepoint, insert, rollback to and release of the savepoint); then the look
    # (savepoint, stored points, insert, release)
    with django_assert_num_queries(11):
        result = record(old + new, actor=integration)
    assert (result.created, result.duplicates) == (size, size)


@pytest.mark.parametrize("size", [5, 100, pytest.param(2500, marks=pytest.mark.postgres)])
def test_new_points_are_written_without_a_look_for_stored_ones(sla, payslips, size, django_assert_num_queries):
    integration = f.UserFactory(roles=[roles.INTEGRATIONS])
    record([point(sender_id="old")])
    new = [point(sender_id=f"new-{n}", value=n % 100) for n in range(size)]
    # services, rights (groups), measures, savepoint, insert, the history of the batch's
    # measures (a removed point is not in the table), release: no read of the points
    with django_assert_num_queries(7) as counted:
        result = record(new, actor=integration)
    assert (result.created, result.duplicates) == (size, 0)
    assert not any(q["sql"].lstrip().startswith('SELECT "sla_measurement"') for q in counted.captured_queries)
    assert Measurement.objects.count() == size + 1


def test_a_point_stored_concurrently_is_a_duplicate(sla, payslips, monkeypatch):
    """Another batch stores the same point between our look and our insert: the unique key
    refuses ours, and the retry sees theirs."""
    Measurement.objects.create(
        service=sla["service"], measure_key="payslips-on-time", value=97.5, measured_at=at(18, 9), sender_id="p-1"
    )
    real = measurement_store._stored_points
    looks = []

    def racing(items, services):  # the first look comes before the other batch commits
        looks.append(len(items))
        return {} if len(looks) == 1 else real(items, services)

    monkeypatch.setattr(measurement_store, "_stored_points", racing)
    result = record([point(), point(sender_id="p-2")])
    assert (result.created, result.duplicates) == (1, 1)
    assert looks == [2, 2]
    assert Measurement.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("same_content", [True, False])
@pytest.mark.parametrize("looked_first", [False, True])
def test_two_batches_racing_for_the_same_points(sla, payslips, monkeypatch, same_content, looked_first):
    """Both write at once (each assuming its points new), or, when both also carry a point
    already stored, both look before either writes. Either way the unique key lets one insert
    win, and the other looks again: duplicates when the points agree, a refusal naming the row
    when they do not."""
    from tests.catalog.test_concurrency import _pause_after, _run_together

    _pause_after(monkeypatch, measurement_store, "_stored_points")
    if not looked_first:  # the first to write waits, uncommitted, for the other to write too
        _pause_after(monkeypatch, measurement_rows, "rows_insert")
    stored = [point(sender_id="stored", value=1)] if looked_first else []
    if stored:
        record(stored)
    ours = [point(sender_id=f"p-{n}", value=n) for n in range(50)] + stored
    theirs = [point(sender_id=f"p-{n}", value=n if same_content else n + 0.5) for n in range(50)] + stored
    outcomes = _run_together(lambda: record(ours), lambda: record(theirs))
    assert Measurement.objects.count() == 50 + len(stored)
    results = [o for o in outcomes if not isinstance(o, Exception)]
    if same_content:
        assert sorted((r.created, r.duplicates - len(stored)) for r in results) == [(0, 50), (50, 0)]
    else:
        (refused,) = [o for o in outcomes if isinstance(o, ValidationError)]
        assert "rows[0].sender_id" in refused.message_dict
        assert [(r.created, r.duplicates) for r in results] == [(50, len(stored))]


_SHAPE_VALUES = {
    "measure": st.sampled_from(["", "queries", "payslips-on-time"]),
    "value": st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans(), st.none()),
    "measured_at": st.one_of(
        st.datetimes(timezones=st.one_of(st.none(), st.just(UTC), st.timezones())),
        st.dates().map(LocalPeriod.of_day),
        st.none(),
        st.text(max_size=5),
    ),
    "sender_id": st.one_of(st.text(max_size=5), st.sampled_from(["", " ", "\t\n", "a" * 200, "a" * 201]), st.none()),
    "note": st.one_of(st.just(""), st.sampled_from(["a" * 500, "a" * 501])),
}


@settings(max_examples=500, deadline=None)
@given(item=st.builds(MeasurementInput, service=st.just("payroll"), **_SHAPE_VALUES))
def test_the_shortcut_for_well_formed_points_says_what_the_full_check_says(item):
    """A point the one-expression check passes is one the field-by-field check finds nothing
    wrong with (the other way round is not needed: those go to the full check)."""
    problems = m._Problems(many=True)
    m._check_shape(0, item, problems)
    if m._well_formed(item):
        assert 0 not in problems


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_batches_writing_the_same_new_points_in_opposite_orders_both_succeed(sla, payslips, monkeypatch):
    """Each writes its first point, then needs the other's: PostgreSQL ends one of them as a
    deadlock, and that one is tried again (a 500 before), finding the other's points stored."""
    import contextlib
    import threading

    from tests.catalog.test_concurrency import _run_together

    both_started = threading.Barrier(2)
    real = measurement_rows.rows_insert

    def one_then_the_rest(rows, **kwargs):
        real(rows[:1], **kwargs)
        if len(rows) > 1:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_started.wait(timeout=5)
        real(rows[1:], **kwargs)

    monkeypatch.setattr(measurement_rows, "rows_insert", one_then_the_rest)
    a, b = point(sender_id="a", value=1), point(sender_id="b", value=2)
    outcomes = _run_together(lambda: record([a, b]), lambda: record([b, a]))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted((o.created, o.duplicates) for o in outcomes) == [(0, 2), (2, 0)]
    assert sorted(Measurement.objects.values_list("sender_id", flat=True)) == ["a", "b"]


def test_a_service_deleted_while_its_points_are_written_is_a_message(sla, payslips, monkeypatch):
    """The batch was checked against the service, which is then deleted before the write: the
    integrity check refuses the write, and the sender gets a 400's message, not a 500."""
    from django.db import connection

    real = measurement_store._store_as_new

    def deleted_first(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM catalog_service WHERE id = %s", [sla["service"].pk])
        return real(*args, **kwargs)

    monkeypatch.setattr(measurement_store, "_store_as_new", deleted_first)
    with pytest.raises(ValidationError) as raised:
        record([point()])
    assert messages(raised.value) == {
        "service": "The service was deleted while these points were being stored; nothing was stored."
    }
    assert not Measurement.objects.exists()
