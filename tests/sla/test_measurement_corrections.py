"""Correcting a data point (sla.services.measurement_correct / measurement_remove): the checks a
new value goes through, the reason, the final verdict that settles a period, rights, the history
kept for ever, what a sender re-sending the point gets afterwards, and the re-evaluation queued
once the correction commits."""

import math
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import rules as roles
from sla.correction_selectors import correction_list
from sla.models import MeasureEvaluation, Measurement, MeasurementCorrection
from sla.selectors import measurement_list
from sla.services import measurement_correct, measurement_remove, measures_evaluate
from sla.services import measurement_corrections as mc
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.test_measurements import NOW, add_measure, messages, point, record


@pytest.fixture
def payslips(sla):
    return add_measure(sla["agreement"])


@pytest.fixture
def stored(sla, payslips) -> Measurement:
    """p-1: 97.5 on Wednesday 18 November 2026 at 09:00 UTC, sent by a tool."""
    record([point()])
    return Measurement.objects.get()


def correct(measurement, value, actor, reason="Typed 97.5 for 99.", **kwargs):
    return measurement_correct(measurement=measurement, value=value, reason=reason, actor=actor, now=NOW, **kwargs)


def remove(measurement, actor, reason="Sent twice under two ids.", **kwargs):
    return measurement_remove(measurement=measurement, reason=reason, actor=actor, now=NOW, **kwargs)


@pytest.fixture
def evaluated(monkeypatch):
    """The measure ids the re-evaluation task was asked for (it runs eagerly in tests)."""
    calls: list[list[int]] = []
    monkeypatch.setattr("sla.tasks.measures.measures_evaluate", lambda measure_ids=None, **_: calls.append(measure_ids))
    return calls


# --- Correcting -----------------------------------------------------------------------------


def test_a_correction_changes_the_value_and_keeps_the_old_one_with_the_reason(sla, stored):
    correction = correct(stored, 99, sla["owner"], reason="  Typed 97.5 for 99.  ")
    assert stored.value == 99  # the caller's instance shows the new value
    point_now = Measurement.objects.get()
    assert (point_now.pk, point_now.value, point_now.sender_id, point_now.measured_at) == (
        stored.pk,
        99,
        "p-1",
        at(18, 9),
    )
    row = MeasurementCorrection.objects.get()
    assert row == correction
    assert (row.measurement, row.service, row.measure_key, row.sender_id, row.measured_at) == (
        stored,
        sla["service"],
        "payslips-on-time",
        "p-1",
        at(18, 9),
    )
    assert (row.old_value, row.new_value, row.reason) == (97.5, 99, "Typed 97.5 for 99.")
    assert (row.corrected_by, row.corrected_at, row.removed) == (sla["owner"], NOW, False)


def test_each_correction_adds_to_the_history(sla, stored):
    correct(stored, 99, sla["owner"])
    correct(stored, 98, sla["owner"], reason="The run report was revised.")
    history = list(stored.corrections.values_list("old_value", "new_value"))
    assert history == [(97.5, 99), (99, 98)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (142, "142 is outside the valid range 0 to 100 of 'Payslips on time'."),
        (-0.5, "-0.5 is outside the valid range 0 to 100 of 'Payslips on time'."),
        (math.nan, "nan is not a finite number."),
        (math.inf, "inf is not a finite number."),
        (True, "True is not a finite number."),
        ("99", "'99' is not a finite number."),
    ],
)
def test_the_new_value_is_checked_like_a_point_sent_anew(sla, stored, value, message):
    with pytest.raises(ValidationError) as raised:
        correct(stored, value, sla["owner"])
    assert messages(raised.value) == {"value": message}
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


def test_every_definition_of_the_key_must_accept_the_new_value(sla, stored):
    unit = f.BusinessUnitFactory(name="Sales", slug="sales")
    other = f.AgreementFactory(service=sla["service"], business_unit=unit, version=1, created_by=sla["owner"])
    add_measure(other, valid_max=98)  # a draft for Sales accepts less
    with pytest.raises(ValidationError) as raised:
        correct(stored, 99, sla["owner"])
    assert messages(raised.value) == {"value": "99 is outside the valid range 0 to 98 of 'Payslips on time'."}


def test_a_measure_no_longer_defined_takes_no_correction_but_its_point_can_be_removed(sla, stored, payslips):
    payslips.delete()
    with pytest.raises(ValidationError) as raised:
        correct(stored, 99, sla["owner"])
    assert list(messages(raised.value)) == ["__all__"]
    assert "Unknown measure 'payslips-on-time' for Payroll" in messages(raised.value)["__all__"]
    remove(stored, sla["owner"])
    assert not Measurement.objects.exists()


def test_the_same_value_is_nothing_to_correct(sla, stored):
    with pytest.raises(ValidationError) as raised:
        correct(stored, 97.5, sla["owner"])
    assert messages(raised.value) == {"value": "The point's value is already 97.5: nothing to correct."}
    assert not MeasurementCorrection.objects.exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say why: the reason is kept with the point's history."),
        ("   ", "Say why: the reason is kept with the point's history."),
        (None, "Say why: the reason is kept with the point's history."),
        ("x" * 501, "Keep the reason within 500 characters (it has 501)."),
    ],
)
def test_a_reason_is_required(sla, stored, reason, message):
    with pytest.raises(ValidationError) as raised:
        correct(stored, 142, sla["owner"], reason=reason)
    assert messages(raised.value) == {
        "value": "142 is outside the valid range 0 to 100 of 'Payslips on time'.",
        "reason": message,
    }
    with pytest.raises(ValidationError) as raised:
        remove(stored, sla["owner"], reason=reason)
    assert messages(raised.value) == {"reason": message}
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


# --- A settled period ------------------------------------------------------------------------


@pytest.fixture
def october(sla, payslips) -> Measurement:
    """Five points in October 2026; the pass on 2 November gives October its final verdict."""
    record([point(sender_id=f"oct-{day}", value=97.5, when=at(day, 9).replace(month=10)) for day in range(12, 17)])
    measures_evaluate(now=datetime(2026, 11, 2, 0, 15, tzinfo=UTC))
    return Measurement.objects.get(sender_id="oct-12")


def test_a_point_of_a_period_with_its_final_verdict_is_not_changed(sla, october):
    final = MeasureEvaluation.objects.get(period_start=datetime(2026, 10, 1, tzinfo=UTC))
    assert (final.status, final.computed_at >= final.period_end) == ("met", True)
    expected = (
        "October 2026 already has its final verdict for “Payslips on time”: met. "
        "A point of a settled period cannot be corrected or removed."
    )
    with pytest.raises(ValidationError) as raised:
        correct(october, 50, sla["owner"])
    assert raised.value.messages == [expected]
    with pytest.raises(ValidationError) as raised:
        remove(october, sla["owner"])
    assert raised.value.messages == [expected]
    assert Measurement.objects.get(pk=october.pk).value == 97.5
    assert not MeasurementCorrection.objects.exists()


def test_a_period_still_open_or_without_its_final_verdict_takes_corrections(sla, october):
    record([point(sender_id="nov")])
    november = Measurement.objects.get(sender_id="nov")
    # The pass of 2 November evaluated November so far: not final.
    assert MeasureEvaluation.objects.filter(period_start=datetime(2026, 11, 1, tzinfo=UTC)).exists()
    correct(november, 99, sla["owner"])
    MeasureEvaluation.objects.filter(period_start=datetime(2026, 10, 1, tzinfo=UTC)).update(
        computed_at=datetime(2026, 10, 31, 23, 45, tzinfo=UTC)  # the last pass in October, before its end
    )
    correct(october, 99, sla["owner"])
    assert MeasurementCorrection.objects.count() == 2


# --- Removing --------------------------------------------------------------------------------


def test_removing_a_point_keeps_its_history(sla, stored):
    correct(stored, 99, sla["owner"])
    removal = remove(stored, sla["owner"], reason="  Sent twice under two ids. ")
    assert not Measurement.objects.exists()
    history = list(MeasurementCorrection.objects.all())
    assert [(c.old_value, c.new_value, c.measurement_id) for c in history] == [(97.5, 99, None), (99, None, None)]
    assert history[1] == removal
    assert (removal.removed, removal.reason, removal.sender_id, removal.measured_at) == (
        True,
        "Sent twice under two ids.",
        "p-1",
        at(18, 9),
    )
    assert (removal.corrected_by, removal.corrected_at) == (sla["owner"], NOW)


def test_a_point_removed_meanwhile_is_a_message(sla, stored):
    Measurement.objects.filter(pk=stored.pk).delete()
    for change in (lambda: correct(stored, 99, sla["owner"]), lambda: remove(stored, sla["owner"])):
        with pytest.raises(ValidationError) as raised:
            change()
        assert raised.value.messages == ["This data point was removed meanwhile; nothing was changed."]


# --- Rights -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), ("integration", True), ("admin", True), ("other_owner", False), ("rep", False)],
)
def test_who_may_correct_and_remove(sla, stored, who, allowed):
    actor = {
        "owner": sla["owner"],
        "integration": f.UserFactory(roles=[roles.INTEGRATIONS]),
        "admin": f.admin_user(),
        "other_owner": f.service_owner(),
        "rep": sla["rep"],
    }[who]
    if allowed:
        assert correct(stored, 99, actor).corrected_by == actor
        assert remove(stored, actor).corrected_by == actor
        return
    for change in (lambda: correct(stored, 99, actor), lambda: remove(stored, actor)):
        with pytest.raises(PermissionDenied, match=r"You may not correct measurements of Payroll\."):
            change()
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


def test_the_right_is_checked_before_the_input(sla, stored):
    with pytest.raises(PermissionDenied):
        correct(stored, math.nan, sla["rep"], reason="")


# --- What a sender re-sending the point gets ------------------------------------------------


def test_the_original_point_sent_again_after_a_correction_is_a_duplicate(sla, stored):
    correct(stored, 99, sla["owner"])
    result = record([point()])  # a retry of the original: p-1, 97.5, 18 Nov 09:00
    assert (result.created, result.duplicates) == (0, 1)
    assert Measurement.objects.get().value == 99  # the correction stands
    assert record([point(value=99)]).duplicates == 1  # the point as it is now
    with pytest.raises(ValidationError) as raised:
        record([point(value=50)])
    assert messages(raised.value) == {
        "rows[0].sender_id": "Sender id 'p-1' was already used for 99 at 2026-11-18T09:00:00+00:00; "
        "one sender id names one data point: give a new point a new id."
    }
    with pytest.raises(ValidationError):
        record([point(when=at(18, 10))])  # the original value at another time: another point


def test_a_removed_point_sent_again_changes_nothing(sla, stored):
    correct(stored, 99, sla["owner"])
    remove(stored, sla["owner"])
    for value in (97.5, 99):  # as sent, or as corrected before the removal
        result = record([point(value=value)])
        assert (result.created, result.duplicates) == (0, 1)
    assert not Measurement.objects.exists()
    with pytest.raises(ValidationError) as raised:
        record([point(value=50)])
    assert messages(raised.value) == {
        "rows[0].sender_id": "Sender id 'p-1' named a point at 2026-11-18T09:00:00+00:00 that was removed; "
        "one sender id names one data point: give a new point a new id."
    }
    assert record([point(sender_id="p-1-again", value=50)]).created == 1  # a new id is a new point


def test_history_costs_no_extra_query_when_recording(sla, stored, django_assert_num_queries):
    record([point(sender_id="p-2", value=90)])
    correct(stored, 99, sla["owner"])
    remove(Measurement.objects.get(sender_id="p-2"), sla["owner"])
    integration = f.UserFactory(roles=[roles.INTEGRATIONS])
    batch = [point(), point(sender_id="p-2", value=90), point(sender_id="p-3")]
    # services, rights (groups), measures; the write that assumes every point new, refused by the
    # unique key (p-1 is stored: savepoint, insert, rollback, release); then the look (savepoint,
    # stored points with their history in one query, insert, release)
    with django_assert_num_queries(11):
        result = record(batch, actor=integration)
    assert (result.created, result.duplicates) == (1, 2)


# --- Evaluated again once committed --------------------------------------------------------


def test_a_correction_queues_the_measures_evaluation_once_it_commits(
    sla, stored, payslips, evaluated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        correct(stored, 99, sla["owner"])
    assert (len(callbacks), evaluated) == (1, [])  # nothing before the commit
    callbacks[0]()
    assert evaluated == [[payslips.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        remove(stored, sla["owner"])
    assert evaluated == [[payslips.pk], [payslips.pk]]


def test_a_refused_correction_queues_nothing(sla, stored, evaluated, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        correct(stored, 142, sla["owner"])
    assert (callbacks, evaluated) == ([], [])


def test_only_measures_in_force_are_evaluated_again(sla, evaluated, django_capture_on_commit_callbacks):
    draft = f.AgreementFactory(
        service=sla["service"],
        business_unit=f.BusinessUnitFactory(slug="sales"),
        version=1,
        created_by=sla["owner"],
    )
    add_measure(draft, key="queries", name="Queries", valid_max=None)
    record([point(measure="queries", value=4, sender_id="q")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        correct(Measurement.objects.get(sender_id="q"), 5, sla["owner"])
    assert (callbacks, evaluated) == ([], [])  # a draft's measure is not evaluated


# --- Who reads the history -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "rep", "business_owner", "integration", "admin", "other_owner", "reader"])
def test_corrections_are_read_by_those_who_read_the_points(sla, stored, who):
    other = f.ServiceFactory(slug="other")
    MeasurementCorrection.objects.create(
        service=other, measure_key="x", sender_id="o", measured_at=at(2, 9), old_value=1, reason="r", corrected_at=NOW
    )
    correct(stored, 99, sla["owner"])
    user = {
        "owner": sla["owner"],
        "rep": sla["rep"],
        "business_owner": sla["service"].business_owner,
        "integration": f.UserFactory(roles=[roles.INTEGRATIONS]),
        "admin": f.admin_user(),
        "other_owner": f.service_owner(),
        "reader": f.business_user(),
    }[who]
    points = set(measurement_list(user=user).values_list("service__slug", flat=True))
    history = set(correction_list(user=user).values_list("service__slug", flat=True))
    assert history & {"payroll"} == points & {"payroll"}
    assert ("other" in history) == (who in ("integration", "admin"))


# --- Two at once ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_corrections_at_once_are_taken_one_after_the_other(sla, stored, monkeypatch):
    """Both start together; the row lock makes the second wait for the first to commit, so
    the history is a chain: the second's old value is the first's new one."""
    from tests.catalog.test_concurrency import _pause_after, _run_together

    _pause_after(monkeypatch, mc, "_locked")
    outcomes = _run_together(
        lambda: correct(Measurement.objects.get(), 99, sla["owner"]),
        lambda: correct(Measurement.objects.get(), 98, sla["owner"]),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    first, second = MeasurementCorrection.objects.order_by("pk")
    assert first.old_value == 97.5
    assert second.old_value == first.new_value
    assert Measurement.objects.get().value == second.new_value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_point_removed_while_a_batch_writes_it_again_stays_removed(sla, stored):
    """The removal has deleted the point but not committed when a batch re-sending it writes:
    the batch's insert waits on the unique key, goes through once the removal commits, and the
    history read after the write shows the point removed. The batch is looked at again: the
    point is a duplicate, the new one stored, the removed one stays removed."""
    import threading

    from django.db import connection, transaction

    from tests.sla.test_measurement_integrity import _blocked_on_a_lock

    removed, release, outcome = threading.Event(), threading.Event(), {}

    def removal() -> None:
        try:
            with transaction.atomic():
                remove(Measurement.objects.get(), sla["owner"])
                removed.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    def batch() -> None:
        try:
            removed.wait(timeout=20)
            outcome["result"] = record([point(), point(sender_id="p-2")])
        except Exception as error:
            outcome["result"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=removal), threading.Thread(target=batch)]
    for thread in threads:
        thread.start()
    assert removed.wait(timeout=20)
    assert _blocked_on_a_lock(), "the batch never waited on the removal's lock"
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    result = outcome["result"]
    assert not isinstance(result, Exception), result
    assert (result.created, result.duplicates) == (1, 1)
    assert list(Measurement.objects.values_list("sender_id", flat=True)) == ["p-2"]
