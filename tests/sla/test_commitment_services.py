"""Commitments written through sla.services: made, checked in on, delivered, renegotiated and
withdrawn; bad input refused with nothing written; alerts at risk, stale and missed raised once
and resolved on recovery by the writes and by the periodic pass; agreement reviews due.

The service has no support calendar, so its days are the site's (Europe/London, GMT in
November). The commitment is made on Monday 2 November 2026, due Monday 30 November.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from catalog import services as catalog_services
from sla.models import Alert, AlertKind, AlertState, CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.services import (
    agreement_reviews_check,
    check_in_record,
    commitment_create,
    commitment_deliver,
    commitment_renegotiate,
    commitment_update,
    commitment_withdraw,
    commitments_check,
)
from sla.tasks import check_agreement_reviews, check_commitments
from tests import factories as f
from tests.portal.helpers import agree

pytestmark = pytest.mark.django_db
D = timedelta(days=1)


def at(day, hour=12, month=11):
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def notified(monkeypatch):
    """Alert ids queued for notification (after commit), in order."""
    sent: list[int] = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: sent.extend(ids))
    return sent


@pytest.fixture
def people():
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    owner = f.service_owner(username="olive")
    service = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[unit])
    return {"unit": unit, "owner": owner, "service": service, "doer": f.UserFactory(username="dev")}


@pytest.fixture
def commitment(people, notified):
    return commitment_create(
        service=people["service"],
        actor=people["owner"],
        title="Self-service payslips",
        definition_of_done="Every employee downloads their payslip without asking HR.",
        owner=people["doer"],
        business_unit=people["unit"],
        due_on=date(2026, 11, 30),
        now=at(2, 9),
    )


def alerts(kind=None):
    found = Alert.objects.order_by("pk")
    return list(found.filter(kind=kind) if kind else found)


# --- Making and changing ----------------------------------------------------------------------


def test_create_records_the_promise_with_defaults(commitment, people):
    commitment.refresh_from_db()
    assert commitment.committed_on == date(2026, 11, 2)
    assert (commitment.check_in_every, commitment.grace) == (7 * D, 2 * D)
    assert commitment.outcome == CommitmentOutcome.OPEN
    assert commitment.history.get().history_user == people["owner"]


def test_create_refuses_bad_input_naming_each_field(people):
    other_unit = f.BusinessUnitFactory(name="Sales")
    with pytest.raises(ValidationError) as caught:
        commitment_create(
            service=people["service"],
            actor=people["owner"],
            title="  ",
            definition_of_done="",
            owner=people["doer"],
            business_unit=other_unit,
            committed_on=date(2026, 11, 3),
            due_on=date(2026, 11, 1),
            check_in_every=timedelta(hours=2),
            grace=-D,
            now=at(2, 9),
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "title",
        "definition_of_done",
        "business_unit",
        "committed_on",
        "due_on",
        "check_in_every",
        "grace",
    }
    assert errors["business_unit"] == ["Payroll does not serve Sales."]
    assert "The due date has passed: promise a date from today on." in errors["due_on"]
    assert not Commitment.objects.exists()


def test_update_changes_the_cadence_but_never_the_due_date_or_a_closed_commitment(commitment, people):
    commitment_update(commitment=commitment, actor=people["owner"], check_in_every=14 * D, now=at(3))
    commitment.refresh_from_db()
    assert commitment.check_in_every == 14 * D
    with pytest.raises(ValidationError) as caught:
        commitment_update(commitment=commitment, actor=people["owner"], due_on=date(2026, 12, 30))
    assert "renegotiating" in caught.value.message_dict["due_on"][0]
    commitment_withdraw(commitment=commitment, actor=people["owner"], reason="Replaced by the HR portal.", now=at(4))
    with pytest.raises(ValidationError, match="is withdrawn; a closed commitment cannot be edited"):
        commitment_update(commitment=commitment, actor=people["owner"], title="Other")


# --- Check-ins --------------------------------------------------------------------------------


def test_check_ins_record_progress_and_a_fall_needs_a_note(commitment, people):
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=40, note="Design done.", now=at(6))
    with pytest.raises(ValidationError) as caught:
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=30, now=at(9))
    assert caught.value.message_dict["note"] == [
        "Progress went down from 40% to 30%: say why in the note, so the business reads it from you."
    ]
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=30, note="Testing found gaps.", now=at(9))
    assert list(commitment.check_ins.values_list("percent_done", flat=True)) == [40, 30]


@pytest.mark.parametrize("percent", [-1, 101, "50", 50.5, True, None])
def test_a_percentage_outside_0_to_100_is_refused(commitment, people, percent):
    with pytest.raises(ValidationError) as caught:
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=percent, now=at(6))
    assert "percent_done" in caught.value.message_dict
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("outcome", ["delivered", "withdrawn"])
def test_a_check_in_on_a_closed_commitment_is_refused_and_nothing_written(commitment, people, outcome):
    if outcome == "delivered":
        commitment_deliver(commitment=commitment, actor=people["owner"], now=at(20))
    else:
        commitment_withdraw(commitment=commitment, actor=people["owner"], reason="No longer needed.", now=at(20))
    with pytest.raises(ValidationError, match=f"is {outcome}; a closed commitment cannot be checked in on"):
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=100, now=at(21))
    assert not CheckIn.objects.exists()


# --- Closing -----------------------------------------------------------------------------------


def test_deliver_on_a_past_day_but_not_a_future_one(commitment, people):
    with pytest.raises(ValidationError) as caught:
        commitment_deliver(commitment=commitment, actor=people["owner"], delivered_on=date(2026, 11, 21), now=at(20))
    assert caught.value.message_dict == {
        "delivered_on": ["Record a delivery once it has happened, not on a future day."]
    }
    commitment_deliver(
        commitment=commitment, actor=people["owner"], delivered_on=date(2026, 11, 19), note="Live.", now=at(20)
    )
    commitment.refresh_from_db()
    assert (commitment.outcome, commitment.closed_on, commitment.closing_note) == (
        "delivered",
        date(2026, 11, 19),
        "Live.",
    )
    with pytest.raises(ValidationError, match="is delivered; a closed commitment cannot be delivered"):
        commitment_deliver(commitment=commitment, actor=people["owner"], now=at(21))


def test_renegotiate_needs_a_reason_and_a_later_date_and_keeps_the_history(commitment, people):
    with pytest.raises(ValidationError) as caught:
        commitment_renegotiate(
            commitment=commitment, actor=people["owner"], new_due_on=date(2026, 11, 20), reason=" ", now=at(20)
        )
    assert set(caught.value.message_dict) == {"reason", "new_due_on"}
    assert caught.value.message_dict["new_due_on"] == ["Give a new due date after today (20 Nov 2026)."]
    commitment_renegotiate(
        commitment=commitment,
        actor=people["owner"],
        new_due_on=date(2026, 12, 18),
        reason="The payroll vendor moved its release.",
        now=at(20),
    )
    commitment.refresh_from_db()
    assert commitment.due_on == date(2026, 12, 18)
    renegotiation = Renegotiation.objects.get()
    assert (renegotiation.old_due_on, renegotiation.new_due_on, renegotiation.by) == (
        date(2026, 11, 30),
        date(2026, 12, 18),
        people["owner"],
    )
    assert [h.due_on for h in commitment.history.order_by("history_date")] == [date(2026, 11, 30), date(2026, 12, 18)]


def test_withdraw_needs_a_reason(commitment, people):
    with pytest.raises(ValidationError) as caught:
        commitment_withdraw(commitment=commitment, actor=people["owner"], reason="", now=at(4))
    assert caught.value.message_dict == {"reason": ["Say why it is withdrawn."]}
    assert Commitment.objects.get().outcome == CommitmentOutcome.OPEN


# --- Alerts: once per subject and period, resolved on recovery -------------------------------


def test_at_risk_is_raised_once_resolved_by_a_good_check_in_and_reopened_without_a_second_message(
    commitment, people, notified
):
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=20, now=at(6))
    assert alerts() == []  # on track: 22 Nov
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=30, now=at(13))  # forecast 10 Dec
    [alert] = alerts()
    assert (alert.kind, alert.state, alert.key) == (
        AlertKind.COMMITMENT_AT_RISK,
        "open",
        f"commitment:{commitment.pk}:20261130:at_risk",
    )
    assert alert.subject == "Payroll: “Self-service payslips” is at risk (due 30 Nov 2026)"
    assert alert.details["forecast_done_on"] == "2026-12-10"
    assert notified == [alert.pk]

    commitments_check(now=at(13, 14))
    commitments_check(now=at(13, 15))
    assert len(alerts()) == 1 and notified == [alert.pk]  # once only

    check_in_record(commitment=commitment, actor=people["doer"], percent_done=80, now=at(16))
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, at(16))

    check_in_record(
        commitment=commitment,
        actor=people["doer"],
        percent_done=20,
        note="Rework: the bank format changed.",
        now=at(18),
    )
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.resolved_at is None
    assert len(alerts()) == 1 and notified == [alert.pk]


def test_stale_is_raised_by_the_periodic_pass_once_per_missed_check_in(commitment, people, notified):
    commitments_check(now=at(10))  # expected 9 Nov 00:00, in its grace until 11 Nov 00:00
    assert alerts() == []
    commitments_check(now=at(11, 1))
    commitments_check(now=at(12))
    [stale] = alerts()
    assert stale.kind == AlertKind.COMMITMENT_STALE
    assert stale.key == f"commitment:{commitment.pk}:stale:20261109T000000"
    assert stale.due_at == datetime(2026, 11, 11, tzinfo=UTC)

    check_in_record(commitment=commitment, actor=people["doer"], percent_done=40, now=at(12, 13))
    stale.refresh_from_db()
    assert stale.state == AlertState.RESOLVED
    commitments_check(now=at(22))  # the next check-in was expected on 19 Nov 12:00: stale again
    assert [a.key for a in alerts(AlertKind.COMMITMENT_STALE)] == [
        stale.key,
        f"commitment:{commitment.pk}:stale:20261119T130000",
    ]
    assert len(notified) == 2


def test_renegotiating_starts_a_new_period(commitment, people, notified):
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=20, now=at(6))
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=30, now=at(13))  # forecast 10 Dec
    [old] = alerts()
    commitment_renegotiate(
        commitment=commitment, actor=people["owner"], new_due_on=date(2026, 12, 8), reason="Vendor delay.", now=at(14)
    )
    old.refresh_from_db()
    assert old.state == AlertState.RESOLVED
    [_, new] = alerts()  # still at risk against the new date: a new period, told again
    assert (new.key, new.state) == (f"commitment:{commitment.pk}:20261208:at_risk", AlertState.OPEN)
    assert notified == [old.pk, new.pk]

    commitment_renegotiate(
        commitment=commitment, actor=people["owner"], new_due_on=date(2026, 12, 11), reason="Agreed.", now=at(15)
    )
    new.refresh_from_db()
    assert new.state == AlertState.RESOLVED  # 10 Dec keeps 11 Dec: on track
    assert len(alerts()) == 2


def test_missed_is_raised_past_the_due_date_and_the_outcome_recorded_after_the_grace(commitment, people, notified):
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=20, now=at(6))
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=30, now=at(13))
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=60, now=at(20))
    check_in_record(commitment=commitment, actor=people["doer"], percent_done=85, now=at(27))
    at_risk = alerts(AlertKind.COMMITMENT_AT_RISK)

    summary = commitments_check(now=at(1, 9, month=12))  # 30 Nov is over
    assert summary.closed_missed == 0
    [missed] = alerts(AlertKind.COMMITMENT_MISSED)
    assert (missed.severity, missed.key) == ("critical", f"commitment:{commitment.pk}:20261130:missed")
    assert all(a.state == AlertState.RESOLVED for a in Alert.objects.filter(pk__in=[a.pk for a in at_risk]))
    assert Commitment.objects.get().outcome == CommitmentOutcome.OPEN  # the owner may still record a delivery

    summary = commitments_check(now=at(3, 1, month=12))  # 1 Dec 00:00 + 2 days' grace has passed
    assert summary.closed_missed == 1
    commitment.refresh_from_db()
    assert (commitment.outcome, commitment.closed_on) == (CommitmentOutcome.MISSED, date(2026, 12, 3))
    missed.refresh_from_db()
    assert missed.state == AlertState.OPEN  # nothing to recover: it waits to be acknowledged
    assert commitments_check(now=at(4, month=12)).checked == 0
    assert len(alerts(AlertKind.COMMITMENT_MISSED)) == 1
    with pytest.raises(ValidationError, match="is missed"):
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=100, now=at(4, month=12))


def test_a_late_delivery_within_the_grace_resolves_the_missed_alert(commitment, people, notified):
    commitments_check(now=at(1, 9, month=12))
    [missed] = alerts(AlertKind.COMMITMENT_MISSED)
    commitment_deliver(commitment=commitment, actor=people["owner"], note="Went live late.", now=at(2, month=12))
    missed.refresh_from_db()
    assert missed.state == AlertState.RESOLVED
    assert Commitment.objects.get().closed_on == date(2026, 12, 2)


def test_the_periodic_task_checks_many_commitments_in_few_queries(people, notified, django_assert_max_num_queries):
    for n in range(12):
        commitment = commitment_create(
            service=people["service"],
            actor=people["owner"],
            title=f"Result {n}",
            definition_of_done="Done.",
            owner=people["doer"],
            due_on=date(2026, 11, 30),
            now=at(2, 9),
        )
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=0, now=at(3))
    Alert.objects.all().delete()
    with time_machine.travel(at(4), tick=False), django_assert_max_num_queries(12):
        check_commitments.delay()
    assert Alert.objects.filter(kind=AlertKind.COMMITMENT_AT_RISK).count() == 12


# --- Agreement reviews -----------------------------------------------------------------------


@pytest.fixture
def agreement(people):
    rep = f.representative(people["unit"], username="rita")
    draft = f.AgreementFactory(
        service=people["service"],
        business_unit=people["unit"],
        version=1,
        effective_from=date(2026, 1, 1),
        review_by=date(2026, 12, 31),
    )
    return agree(draft, it=people["owner"], business=rep), rep


def test_a_review_due_within_30_days_is_alerted_once(agreement, notified):
    version, _ = agreement
    agreement_reviews_check(now=at(30, 12))  # 31 days before
    assert alerts() == []
    agreement_reviews_check(now=at(1, 12, month=12))
    agreement_reviews_check(now=at(2, 12, month=12))
    [alert] = alerts()
    assert alert.key == f"agreement:{version.pk}:review:20261231"
    assert alert.kind == AlertKind.AGREEMENT_REVIEW_DUE
    assert "is due for review in 30 days (31 Dec 2026)" in alert.subject
    assert notified == [alert.pk]


def test_a_review_alert_is_resolved_when_a_newer_version_is_agreed(agreement, people, notified):
    _, rep = agreement
    with time_machine.travel(at(1, 12, month=12), tick=False):
        check_agreement_reviews.delay()
        [alert] = alerts()
        successor = catalog_services.agreement_draft_create(
            service=people["service"],
            business_unit=people["unit"],
            actor=people["owner"],
            scope="Renewed.",
            effective_from=date(2027, 1, 1),
            review_by=date(2028, 1, 1),
        )
        agree(successor, it=people["owner"], business=rep)
        check_agreement_reviews.delay()
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert len(alerts()) == 1


def test_a_review_alert_follows_its_date(agreement, notified):
    version, _ = agreement
    agreement_reviews_check(now=at(10, 12, month=12))
    [first] = alerts()
    type(version).objects.filter(pk=version.pk).update(review_by=date(2027, 6, 30))  # moved (e.g. in the admin)
    agreement_reviews_check(now=at(11, 12, month=12))
    first.refresh_from_db()
    assert first.state == AlertState.RESOLVED
    assert len(alerts()) == 1


def test_alerts_go_out_through_the_same_channels_after_commit(people, django_capture_on_commit_callbacks, mailoutbox):
    commitment = commitment_create(
        service=people["service"],
        actor=people["owner"],
        title="Self-service payslips",
        definition_of_done="Every employee downloads their payslip.",
        owner=people["doer"],
        due_on=date(2026, 11, 30),
        now=at(2, 9),
    )
    with django_capture_on_commit_callbacks(execute=True):
        check_in_record(commitment=commitment, actor=people["doer"], percent_done=0, now=at(6))
    # The service owner, and the commitment's owner who does the work.
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(["olive@example.com", people["doer"].email])
    assert all("“Self-service payslips” is at risk" in mail.subject for mail in mailoutbox)
