"""Closing the loop: a detractor's answer opens a follow-up due in two business days of the
service's calendar; it is contacted and closed with what was learned; overdue ones raise one
alert, resolved once contacted; the recovery rate, worked by hand."""

from datetime import timedelta
from itertools import count

import pytest
import time_machine
from django.core.exceptions import ValidationError

from feedback.follow_up_selectors import (
    Answer,
    answer_is_better,
    follow_up_inbox,
    follow_up_list,
    recovery_count,
    service_recovery,
    service_recovery_recent,
)
from feedback.follow_up_tasks import check_follow_ups
from feedback.models import FollowUp, FollowUpState, Invitation, InvitationKind, Response
from feedback.services import ResponseInput, response_record_external, response_record_for_invitation
from feedback.services.follow_ups import (
    follow_up_close,
    follow_up_contacted,
    follow_up_is_overdue,
    follow_ups_check,
)
from sla.models import Alert, AlertKind, AlertState
from sla.services import calendar_create
from tests import factories as f
from tests.feedback.conftest import at

_ids = count(1)


def invite(service, *, kinds=("csat", "nps", "ces"), email="ann@example.com") -> Invitation:
    return Invitation.objects.create(
        kind=InvitationKind.EVENT,
        service=service,
        kinds=list(kinds),
        email=email,
        nonce=f"nonce-{next(_ids)}",
        send_after=at(1, 9),
        expires_at=at(1, 9) + timedelta(days=60),
    )


def detractor(service, *, when, email="ann@example.com", **scores) -> FollowUp:
    response = response_record_for_invitation(
        invitation=invite(service, email=email), answers=ResponseInput(**(scores or {"nps": 3})), now=when
    )
    return FollowUp.objects.select_related("response", "service").get(response=response)


@pytest.fixture
def always(db):
    return calendar_create(name="Always", time_zone="UTC", is_24x7=True)


# --- Creation and due dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "due"),
    [
        (at(6, 16), at(10, 16)),  # Friday 16:00: one hour Friday, 8 Monday, 7 Tuesday
        (at(2, 9), at(3, 17)),  # Monday 09:00: the end of Tuesday's working day
        (at(7, 11), at(10, 17)),  # Saturday: counting starts Monday 09:00
        (at(4, 20), at(6, 17)),  # Wednesday evening: Thursday and Friday
    ],
)
def test_on_office_hours_a_follow_up_is_due_two_working_days_after_the_answer(service, answered, due):
    with time_machine.travel(answered, tick=False):
        response = response_record_for_invitation(invitation=invite(service), answers=ResponseInput(csat=1))
    follow_up = response.follow_up
    assert (follow_up.due_at, follow_up.owner, follow_up.service) == (due, service.service_owner, service)
    assert follow_up.state == FollowUpState.OPEN


def test_on_a_24x7_calendar_two_business_days_are_48_hours_weekend_or_not(service, always):
    service.support_calendar = always
    service.save(update_fields=["support_calendar"])
    with time_machine.travel(at(6, 16), tick=False):
        response = response_record_for_invitation(invitation=invite(service), answers=ResponseInput(ces=2))
    assert response.follow_up.due_at == at(8, 16)  # Sunday


def test_a_service_without_a_calendar_uses_the_site_s_office_hours(service, settings):
    settings.TIME_ZONE = "UTC"
    service.support_calendar = None
    service.save(update_fields=["support_calendar"])
    follow_up = detractor(service, when=at(6, 16))
    assert follow_up.due_at == at(10, 16)


def test_a_detractor_collected_by_another_tool_is_followed_up_too(service):
    response, created = response_record_external(
        service=service,
        external_id="q-1",
        answers=ResponseInput(nps=0),
        submitted_at=at(6, 16),
        respondent_email="bob@example.com",
        now=at(6, 17),
    )
    assert created
    assert response.follow_up.due_at == at(10, 16)  # from when they answered, not when it arrived
    response_record_external(
        service=service, external_id="q-1", answers=ResponseInput(nps=0), submitted_at=at(6, 16), now=at(6, 18)
    )
    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "followed_up"),
    [
        ({"nps": 6}, True),
        ({"nps": 7}, False),
        ({"csat": 2}, True),
        ({"csat": 3}, False),
        ({"ces": 3}, True),
        ({"ces": 4}, False),
        ({"nps": 10, "csat": 5, "ces": 2}, True),  # unhappy on one score is enough
    ],
)
def test_detractor_thresholds(service, answers, followed_up):
    response = response_record_for_invitation(
        invitation=invite(service), answers=ResponseInput(**answers), now=at(3, 10)
    )
    assert FollowUp.objects.filter(response=response).exists() is followed_up


# --- Contacted and closed ---------------------------------------------------------------------------


def test_contacted_then_closed_with_what_was_learned(service):
    follow_up = detractor(service, when=at(2, 10))
    owner = service.service_owner

    follow_up_contacted(
        follow_up=follow_up, actor=owner, outcome="  Re-ran the payslip; apologised.  ", at=at(3, 9), now=at(3, 10)
    )
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.contacted_at, follow_up.outcome) == (
        FollowUpState.CONTACTED,
        at(3, 9),
        "Re-ran the payslip; apologised.",
    )

    follow_up_close(follow_up=follow_up, actor=owner, learned="Cut-off dates are not clear.", now=at(4, 10))
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.closed_at, follow_up.learned) == (
        FollowUpState.CLOSED,
        at(4, 10),
        "Cut-off dates are not clear.",
    )
    assert follow_up.outcome == "Re-ran the payslip; apologised."  # kept
    assert [h.history_user for h in follow_up.history.order_by("history_date")][1:] == [owner, owner]


def test_closing_a_follow_up_never_marked_contacted_records_the_call_now(service):
    follow_up = detractor(service, when=at(2, 10))
    with pytest.raises(ValidationError) as error:
        follow_up_close(follow_up=follow_up, actor=service.service_owner, learned="Something", now=at(3, 10))
    assert "outcome" in error.value.message_dict

    follow_up_close(
        follow_up=follow_up, actor=service.service_owner, learned="Something", outcome="Called", now=at(3, 10)
    )
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.contacted_at, follow_up.outcome) == (FollowUpState.CLOSED, at(3, 10), "Called")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"outcome": "   "}, "outcome"),
        ({"outcome": "x" * 5001}, "outcome"),
        ({"outcome": "Called", "at": at(5, 10)}, "contacted_at"),  # in the future
        ({"outcome": "Called", "at": at(2, 9)}, "contacted_at"),  # before they answered
    ],
)
def test_a_bad_call_record_is_refused_and_nothing_written(service, fields, problem):
    follow_up = detractor(service, when=at(2, 10))
    with pytest.raises(ValidationError) as error:
        follow_up_contacted(follow_up=follow_up, actor=service.service_owner, now=at(3, 10), **fields)
    assert problem in error.value.message_dict
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.contacted_at, follow_up.outcome) == (FollowUpState.OPEN, None, "")


def test_learned_is_required_to_close(service):
    follow_up = detractor(service, when=at(2, 10))
    follow_up_contacted(follow_up=follow_up, actor=service.service_owner, outcome="Called", now=at(3, 10))
    with pytest.raises(ValidationError) as error:
        follow_up_close(follow_up=follow_up, actor=service.service_owner, learned=" ", now=at(3, 11))
    assert list(error.value.message_dict) == ["learned"]
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.CONTACTED


def test_a_follow_up_is_contacted_once_and_closed_once(service):
    follow_up = detractor(service, when=at(2, 10))
    actor = service.service_owner
    follow_up_contacted(follow_up=follow_up, actor=actor, outcome="Called", now=at(3, 10))
    with pytest.raises(ValidationError, match="contacted already"):
        follow_up_contacted(follow_up=follow_up, actor=actor, outcome="Called again", now=at(3, 11))
    follow_up_close(follow_up=follow_up, actor=actor, learned="L", now=at(3, 12))
    with pytest.raises(ValidationError, match="closed on 03 Nov 2026"):
        follow_up_close(follow_up=follow_up, actor=actor, learned="Other", now=at(3, 13))
    follow_up.refresh_from_db()
    assert (follow_up.outcome, follow_up.learned) == ("Called", "L")


# --- Overdue alerts ----------------------------------------------------------------------------------


def overdue_alerts():
    return list(Alert.objects.filter(kind=AlertKind.FOLLOW_UP_OVERDUE).order_by("pk"))


def test_overdue_is_not_contacted_after_the_due_instant(service):
    follow_up = detractor(service, when=at(6, 16))  # due Tuesday 10th 16:00
    assert not follow_up_is_overdue(follow_up, now=at(10, 16))
    assert follow_up_is_overdue(follow_up, now=at(10, 16) + timedelta(microseconds=1))
    follow_up.state = FollowUpState.CONTACTED
    assert not follow_up_is_overdue(follow_up, now=at(20, 9))


def test_an_overdue_follow_up_raises_one_alert_however_often_checked(service, django_assert_max_num_queries):
    follow_up = detractor(service, when=at(6, 16), nps=2, csat=1)
    assert follow_ups_check(at(10, 16)).raised == 0
    assert overdue_alerts() == []

    with django_assert_max_num_queries(10):  # live alerts; a chunk (its savepoint, rows, reopen, insert, ids); the end
        summary = follow_ups_check(at(10, 17))
    assert (summary.checked, summary.raised) == (1, 1)
    assert follow_ups_check(at(10, 18)).raised == 0
    assert follow_ups_check(at(11, 9)).raised == 0

    [alert] = overdue_alerts()
    assert alert.key == f"follow_up:{follow_up.pk}:overdue:20261110T160000"
    assert (alert.state, alert.service, alert.due_at, alert.opened_at) == (
        AlertState.OPEN,
        service,
        at(10, 16),
        at(10, 17),
    )
    assert alert.details == {
        "follow_up_id": follow_up.pk,
        "response_id": follow_up.response_id,
        "owner": "owner",
        "scores": "NPS 2, CSAT 1",
    }
    assert alert.subject == "Payroll: call back ann@example.com (NPS 2, CSAT 1), due Tue 10 Nov 16:00 (UTC)"


def test_the_overdue_alert_is_resolved_when_the_customer_is_contacted(service):
    follow_up = detractor(service, when=at(6, 16))
    follow_ups_check(at(11, 9))
    follow_up_contacted(follow_up=follow_up, actor=service.service_owner, outcome="Called", now=at(11, 10))
    [alert] = overdue_alerts()
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, at(11, 10))
    follow_ups_check(at(11, 11))
    assert [a.state for a in overdue_alerts()] == [AlertState.RESOLVED]  # not raised again


def test_the_overdue_alert_is_resolved_when_closed(service):
    follow_up = detractor(service, when=at(6, 16))
    follow_ups_check(at(11, 9))
    follow_up_close(follow_up=follow_up, actor=service.service_owner, outcome="Called", learned="L", now=at(12, 9))
    [alert] = overdue_alerts()
    assert (alert.state, alert.resolved_at) == (AlertState.RESOLVED, at(12, 9))


def test_contacted_in_time_never_alerts(service):
    follow_up = detractor(service, when=at(6, 16))
    follow_up_contacted(follow_up=follow_up, actor=service.service_owner, outcome="Called", now=at(9, 10))
    assert follow_ups_check(at(20, 9)).raised == 0
    assert overdue_alerts() == []


def test_a_later_due_date_resolves_the_alert_and_raises_a_new_one_when_it_passes(service):
    follow_up = detractor(service, when=at(6, 16))
    follow_ups_check(at(11, 9))
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=at(13, 17))  # given more time (admin)

    assert follow_ups_check(at(12, 9)).resolved == 1
    assert [a.state for a in overdue_alerts()] == [AlertState.RESOLVED]

    assert follow_ups_check(at(13, 18)).raised == 1
    old, new = overdue_alerts()
    assert (old.state, new.state, new.due_at) == (AlertState.RESOLVED, AlertState.OPEN, at(13, 17))


def test_a_follow_up_put_back_to_contact_reopens_its_alert_without_a_new_one(service):
    follow_up = detractor(service, when=at(6, 16))
    follow_ups_check(at(11, 9))
    follow_up_contacted(follow_up=follow_up, actor=service.service_owner, outcome="Wrong person", now=at(11, 10))
    FollowUp.objects.filter(pk=follow_up.pk).update(state=FollowUpState.OPEN, contacted_at=None)  # admin undo
    assert follow_ups_check(at(11, 11)).raised == 0
    [alert] = overdue_alerts()
    assert (alert.state, alert.resolved_at) == (AlertState.OPEN, None)


def test_the_alert_goes_to_the_owner_once_after_commit(service, mailoutbox, django_capture_on_commit_callbacks):
    detractor(service, when=at(6, 16))
    with django_capture_on_commit_callbacks(execute=True):
        follow_ups_check(at(11, 9))
    with django_capture_on_commit_callbacks(execute=True):
        follow_ups_check(at(11, 10))
    [mail] = mailoutbox
    assert mail.to == ["owner@example.com"]
    assert "call back ann@example.com" in mail.subject


def test_the_hourly_task_runs_the_check(service):
    detractor(service, when=at(6, 16))
    with time_machine.travel(at(11, 9), tick=False):
        assert check_follow_ups() == {"checked": 1, "raised": 1, "resolved": 0}


def test_the_hourly_schedule_exists(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="feedback.check_follow_ups")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 1, "hours")


def test_many_overdue_follow_ups_are_checked_in_a_few_queries(service, django_assert_max_num_queries):
    for number in range(12):
        detractor(service, when=at(6, 16), email=f"p{number}@example.com")
    # Per chunk of five, six queries (savepoint, rows, reopen, insert, new ids, release) however
    # many rows; the live alerts before, the empty last chunk after.
    with django_assert_max_num_queries(1 + 3 * 6 + 3):
        summary = follow_ups_check(at(11, 9), chunk_size=5)
    assert (summary.checked, summary.raised) == (12, 12)


# --- Inbox --------------------------------------------------------------------------------------------


def test_the_inbox_lists_the_user_s_open_follow_ups_soonest_due_first(service, django_assert_max_num_queries):
    later = detractor(service, when=at(4, 10), email="b@example.com")
    sooner = detractor(service, when=at(3, 10), email="a@example.com")
    closed = detractor(service, when=at(2, 10), email="c@example.com")
    follow_up_close(follow_up=closed, actor=service.service_owner, outcome="o", learned="l", now=at(3, 9))
    other_owner = f.service_owner()
    detractor(f.ServiceFactory(service_owner=other_owner), when=at(2, 10))

    with django_assert_max_num_queries(2):
        inbox = [(fu.pk, fu.service.name, fu.response.nps) for fu in follow_up_inbox(user=service.service_owner)]
    assert inbox == [(sooner.pk, "Payroll", 3), (later.pk, "Payroll", 3)]


# --- Recovery rate ------------------------------------------------------------------------------------


def answer(pk, email, day, **scores):
    return Answer(pk=pk, email=email, submitted_at=at(day, 10), **scores)


@pytest.mark.parametrize(
    ("before", "after", "better"),
    [
        ({"nps": 3}, {"nps": 5}, True),  # up, though still a detractor
        ({"nps": 3}, {"nps": 3}, False),
        ({"nps": 3}, {"nps": 1}, False),
        ({"csat": 2}, {"csat": 3}, True),
        ({"ces": 3}, {"ces": 7}, True),  # CES: 7 is "very easy"
        ({"nps": 3, "csat": 2}, {"nps": 8, "csat": 1}, False),  # one went down
        ({"nps": 3, "csat": 2}, {"nps": 8, "csat": 2}, True),
        ({"nps": 3, "csat": 2}, {"csat": 4}, True),  # only the common score counts
        ({"nps": 3}, {"csat": 5}, None),  # nothing in common
    ],
)
def test_better_compares_the_scores_both_answers_give(before, after, better):
    assert answer_is_better(answer(1, "a", 2, **before), answer(2, "a", 3, **after)) is better


def test_recovery_rate_worked_by_hand():
    # Five detractor answers in the period:
    #   ann  NPS 2 -> NPS 9          answered again, better, no longer a detractor
    #   bob  CSAT 1 -> CSAT 2        answered again, better, still a detractor
    #   cat  CES 2 -> CES 2          answered again, not better
    #   dan  NPS 4 -> CSAT 5 -> NPS 3  (CSAT shares nothing: passed over) next NPS lower: not better
    #   eve  NPS 0, never again      not answered again
    # and one without an e-mail address (cannot be followed): six detractors in all.
    detractors = [
        answer(1, "ann@x", 2, nps=2),
        answer(2, "bob@x", 2, csat=1),
        answer(3, "cat@x", 3, ces=2),
        answer(4, "dan@x", 3, nps=4),
        answer(5, "eve@x", 4, nps=0),
        answer(6, "", 4, nps=1),
        answer(7, "fay@x", 4, nps=9),  # a promoter: not counted
    ]
    later = [
        answer(10, "ANN@x", 20, nps=9),
        answer(11, "bob@x", 21, csat=2),
        answer(12, "cat@x", 22, ces=2),
        answer(13, "dan@x", 5, csat=5),
        answer(14, "dan@x", 6, nps=3),
        answer(15, "dan@x", 7, nps=10),  # not the next one
        answer(16, "eve@x", 1, nps=10),  # earlier than the detractor answer
    ]
    result = recovery_count(detractors, detractors + later)
    assert (result.detractors, result.answered_again, result.recovered, result.no_longer_detractors) == (6, 4, 2, 1)
    assert (result.rate, result.percent) == (0.5, 50)


def test_no_one_answered_again_gives_no_rate():
    result = recovery_count([answer(1, "a@x", 2, nps=1)], [])
    assert (result.detractors, result.answered_again, result.rate, result.percent) == (1, 0, None, None)


def test_recovery_rate_of_a_service_per_period(service, django_assert_max_num_queries):
    def answers(email, when, **scores):
        response_record_external(
            service=service,
            external_id=f"r-{next(_ids)}",
            answers=ResponseInput(**scores),
            submitted_at=when,
            respondent_email=email,
            now=at(30, 23) + timedelta(days=30),
        )

    other = f.ServiceFactory()
    answers("ann@example.com", at(2, 10), nps=2)  # November: detractor, then better in December
    answers("Ann@Example.com", at(2, 11), csat=5)  # shares no score with it
    answers("bob@example.com", at(3, 10), csat=1)  # November: detractor, then the same
    answers("bob@example.com", at(3, 12), csat=1)  # ... itself a detractor answer of November, never again
    answers("cat@example.com", at(4, 10), ces=1)  # never again on this service
    response_record_external(
        service=other,
        external_id="elsewhere",
        answers=ResponseInput(ces=7),
        submitted_at=at(5, 10),
        respondent_email="cat@example.com",
        now=at(30, 23) + timedelta(days=30),
    )
    answers("ann@example.com", at(2, 10) + timedelta(days=35), nps=7)  # 7 December

    november = (at(1, 0), at(1, 0) + timedelta(days=30))
    december = (november[1], november[1] + timedelta(days=31))
    with django_assert_max_num_queries(2):
        nov, dec = service_recovery(service=service, bounds=[november, december])
    assert (nov.detractors, nov.answered_again, nov.recovered, nov.no_longer_detractors) == (4, 2, 1, 1)
    assert nov.percent == 50
    assert (dec.detractors, dec.answered_again, dec.rate) == (0, 0, None)


def test_recent_recovery_is_labelled_by_quarter_in_the_service_s_zone(service):
    response_record_external(
        service=service,
        external_id="a",
        answers=ResponseInput(nps=1),
        submitted_at=at(2, 10),
        respondent_email="a@example.com",
        now=at(3, 10),
    )
    Response.objects.create(service=service, nps=10, respondent_email="a@example.com", submitted_at=at(3, 10))
    this, last = service_recovery_recent(service=service, now=at(20, 10))
    assert (this.label, this.answered_again, this.recovered) == ("Q4 2026", 1, 1)
    assert (last.label, last.detractors) == ("Q3 2026", 0)


# --- Rules and scoped lists agree -------------------------------------------------------------------


def test_who_sees_and_acts_rules_and_lists_agree(service):
    business = f.business_user()
    service.business_owner = business
    service.save(update_fields=["business_owner"])
    deputy = f.service_owner()
    mine = detractor(service, when=at(2, 10))
    delegated = detractor(service, when=at(2, 11), email="bob@example.com")
    FollowUp.objects.filter(pk=delegated.pk).update(owner=deputy)
    delegated.refresh_from_db()
    elsewhere = detractor(f.ServiceFactory(), when=at(2, 12))
    people = {
        "owner": service.service_owner,
        "deputy": deputy,
        "business": business,
        "admin": f.admin_user(),
        "reader": f.business_user(),
    }
    expected_view = {
        "owner": {mine, delegated},
        "deputy": {delegated},
        "business": {mine, delegated},
        "admin": {mine, delegated, elsewhere},
        "reader": set(),
    }
    expected_change = {**expected_view, "business": set()}
    for name, user in people.items():
        listed = set(follow_up_list(user=user))
        assert listed == expected_view[name], name
        for follow_up in (mine, delegated, elsewhere):
            assert user.has_perm("feedback.view_follow_up", follow_up) == (follow_up in expected_view[name]), name
            assert user.has_perm("feedback.change_follow_up", follow_up) == (follow_up in expected_change[name]), name
        assert user.has_perm("feedback.view_service_follow_ups", service) == (name in ("owner", "business", "admin"))
