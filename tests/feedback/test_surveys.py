"""Surveys: settings, event surveys (delay, fatigue guard, old tickets, twice at once),
relationship surveys, signed links, sending with retries, expiry and resending."""

from datetime import date, timedelta
from io import StringIO
from threading import Barrier, Thread

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from feedback.models import Invitation, InvitationStatus, Response
from feedback.services import ResponseInput, response_record_for_invitation
from feedback.services.invitations import (
    MAX_ATTEMPTS,
    event_invitations_schedule,
    invitation_groups_due,
    invitations_expire,
    invitations_resend,
    relationship_invitations_create,
)
from feedback.services.survey_mail import invitation_email_render, invitations_send
from feedback.services.surveys import (
    quarter_parse,
    survey_questions,
    survey_settings_get,
    survey_settings_update,
)
from feedback.tasks import schedule_event_surveys
from feedback.tokens import LinkProblem, invitation_token, invitation_token_check
from sla.models import Ticket, TicketState
from sla.notifications.transport import DeliveryError
from tests import factories as f
from tests.feedback.conftest import at

NOW = at(3, 10)  # Tuesday 3 November 2026, 10:00 UTC


def resolved_ticket(service, *, resolved_at, email="Ann@Example.com", state=TicketState.RESOLVED, **values):
    number = Ticket.objects.count() + 1
    return Ticket.objects.create(
        service=service,
        source="servicedesk",
        external_id=f"INC{number:04d}",
        title=values.pop("title", "Payslips not generated"),
        requester=values.pop("requester", "Ann Lee"),
        requester_email=email,
        state=state,
        opened_at=resolved_at - timedelta(hours=3),
        resolved_at=resolved_at if state in (TicketState.RESOLVED, TicketState.CLOSED) else None,
        **values,
    )


# --- Settings ---------------------------------------------------------------------------------------


def test_settings_are_created_with_the_defaults_when_first_needed(service):
    settings = survey_settings_get(service=service)
    assert settings.event_kinds == ["csat", "nps", "ces"]
    assert (settings.event_delay, settings.fatigue_days, settings.invitation_valid_for) == (
        timedelta(hours=24),
        30,
        timedelta(days=14),
    )
    assert survey_settings_get(service=service).pk == settings.pk


def test_bad_settings_are_refused_with_every_problem_and_nothing_written(service):
    settings = survey_settings_get(service=service)
    with pytest.raises(ValidationError) as error:
        survey_settings_update(
            settings=settings, event_kinds=["csat", "mood"], event_delay=timedelta(days=9), fatigue_days=-1
        )
    assert set(error.value.message_dict) == {"event_kinds", "event_delay", "fatigue_days"}
    settings.refresh_from_db()
    assert settings.fatigue_days == 30
    survey_settings_update(settings=settings, event_kinds=["ces", "csat"], fatigue_days=7)
    settings.refresh_from_db()
    assert (settings.event_kinds, settings.fatigue_days) == (["csat", "ces"], 7)


def test_questions_follow_the_kinds_asked_and_the_wording(service, invitation):
    settings = survey_settings_get(service=service)
    survey_settings_update(settings=settings, nps_question="Would you recommend {service} to a friend?")
    questions = survey_questions(invitation=invitation, settings=settings)  # asks csat and nps
    assert [(q.name, q.low, q.high) for q in questions] == [("csat", 1, 5), ("nps", 0, 10)]
    assert questions[0].text == "How satisfied are you with Payroll?"
    assert questions[1].text == "Would you recommend Payroll to a friend?"


# --- Event surveys ----------------------------------------------------------------------------------


def test_a_ticket_resolved_a_day_ago_gets_one_invitation_worded_about_it(service):
    ticket = resolved_ticket(service, resolved_at=at(2, 9))
    groups = event_invitations_schedule(now=NOW)
    invitation = Invitation.objects.get()
    assert groups == [[invitation.pk]]
    assert (invitation.kind, invitation.ticket, invitation.email, invitation.name) == (
        "event",
        ticket,
        "ann@example.com",
        "Ann Lee",
    )
    assert invitation.kinds == ["csat", "nps", "ces"]
    assert (invitation.status, invitation.send_after, invitation.expires_at) == ("scheduled", NOW, at(17, 10))
    parts = invitation_email_render([invitation])
    assert "Payslips not generated" in parts.subject
    assert "Your request “Payslips not generated” was resolved. Are you now able to do what you needed?" in parts.text
    assert "/feedback/s/" in parts.text and "/feedback/s/" in parts.html


def test_not_before_the_delay(service):
    resolved_ticket(service, resolved_at=at(2, 11))  # 23 hours before NOW
    assert event_invitations_schedule(now=NOW) == []
    assert len(event_invitations_schedule(now=at(3, 11))) == 1


@pytest.mark.parametrize(
    ("state", "email"),
    [
        (TicketState.OPEN, "ann@example.com"),  # reopened
        (TicketState.CANCELLED, "ann@example.com"),
        (TicketState.RESOLVED, ""),  # nobody to ask
    ],
)
def test_reopened_cancelled_or_anonymous_tickets_are_not_surveyed(service, state, email):
    resolved_ticket(service, resolved_at=at(2, 9), state=state, email=email)
    assert event_invitations_schedule(now=NOW) == []


def test_old_tickets_are_not_surveyed(service):
    resolved_ticket(service, resolved_at=NOW - timedelta(days=15))  # imported history, older than the 14-day link
    resolved_ticket(service, resolved_at=NOW - timedelta(days=13), email="bob@example.com")
    event_invitations_schedule(now=NOW)
    assert list(Invitation.objects.values_list("email", flat=True)) == ["bob@example.com"]


def test_services_with_event_surveys_off_ask_nothing(service):
    survey_settings_update(settings=survey_settings_get(service=service), event_surveys=False)
    resolved_ticket(service, resolved_at=at(2, 9))
    assert event_invitations_schedule(now=NOW) == []


def test_fatigue_guard_once_per_person_per_period_across_services(service):
    other = f.ServiceFactory(name="Laptops")
    resolved_ticket(other, resolved_at=NOW - timedelta(days=11, hours=2))
    event_invitations_schedule(now=NOW - timedelta(days=10))  # asked about Laptops 10 days ago
    resolved_ticket(service, resolved_at=at(2, 9), email="ANN@example.com")
    assert event_invitations_schedule(now=NOW) == []
    # Once the 30 days have passed she may be asked again (here: with a 5-day guard on Payroll).
    survey_settings_update(settings=survey_settings_get(service=service), fatigue_days=5)
    assert len(event_invitations_schedule(now=NOW)) == 1
    assert Invitation.objects.filter(email="ann@example.com").count() == 2


def test_two_tickets_of_one_person_in_one_pass_give_one_invitation(service):
    first = resolved_ticket(service, resolved_at=at(2, 8))
    resolved_ticket(service, resolved_at=at(2, 9))
    resolved_ticket(service, resolved_at=at(2, 9), email="bob@example.com")
    assert len(event_invitations_schedule(now=NOW)) == 2
    assert Invitation.objects.get(email="ann@example.com").ticket == first


def test_running_twice_changes_nothing(service):
    resolved_ticket(service, resolved_at=at(2, 9))
    assert len(event_invitations_schedule(now=NOW)) == 1
    assert event_invitations_schedule(now=NOW + timedelta(minutes=15)) == []
    assert Invitation.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_passes_at_once_invite_each_person_once():
    service = f.ServiceFactory(name="Payroll")
    for hour in range(8, 12):
        resolved_ticket(service, resolved_at=at(1, hour))  # four tickets of Ann
        resolved_ticket(service, resolved_at=at(1, hour), email=f"user{hour}@example.com")
    barrier, results = Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(event_invitations_schedule(now=NOW))
        finally:
            connection.close()

    threads = [Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(groups) for groups in results) == [0, 5]
    assert Invitation.objects.filter(email="ann@example.com").count() == 1
    assert Invitation.objects.count() == 5


# --- Relationship surveys ----------------------------------------------------------------------------


@pytest.fixture
def finance(db):
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    f.MembershipFactory(user=f.business_user(email="Ann@Example.com", first_name="Ann"), business_unit=unit)
    f.MembershipFactory(user=f.business_user(email="bob@example.com"), business_unit=unit)
    f.MembershipFactory(user=f.business_user(email=""), business_unit=unit)  # cannot be asked
    f.MembershipFactory(user=f.business_user(email="gone@example.com", is_active=False), business_unit=unit)
    return unit


def test_each_member_rates_each_service_of_the_unit_in_one_email(service, finance):
    service.business_units.add(finance)
    f.ServiceFactory(name="Expenses", business_units=[finance])
    f.ServiceFactory(name="Warehouse", business_units=[f.BusinessUnitFactory()])  # serves another unit
    with time_machine.travel(at(2, 8), tick=False):
        groups = relationship_invitations_create(quarter_start=date(2026, 10, 1))
    assert sorted(len(group) for group in groups) == [2, 2]
    ann = Invitation.objects.filter(email="ann@example.com").order_by("service__name")
    assert [i.service.name for i in ann] == ["Expenses", "Payroll"]
    assert {(i.kind, i.period_start, i.business_unit_id) for i in ann} == {
        ("relationship", date(2026, 10, 1), finance.pk)
    }
    assert ann[0].kinds == ["engagement", "urgency", "ownership", "pace", "results", "user_experience"]
    parts = invitation_email_render(list(ann))
    assert "2 services, Q4 2026" in parts.subject
    assert parts.text.count("/feedback/s/") == 2 and "Expenses" in parts.html and "Payroll" in parts.html
    questions = survey_questions(invitation=ann[0], settings=survey_settings_get(service=ann[0].service))
    assert (questions[0].name, questions[0].low, questions[0].high, len(questions)) == ("engagement", 1, 5, 6)


def test_relationship_surveys_run_twice_send_nothing_twice(service, finance):
    service.business_units.add(finance)
    other_unit = f.BusinessUnitFactory()
    service.business_units.add(other_unit)
    f.MembershipFactory(user=get_user_model().objects.get(email="bob@example.com"), business_unit=other_unit)
    with time_machine.travel(at(2, 8), tick=False):
        for group in relationship_invitations_create(quarter_start=date(2026, 10, 1)):
            invitations_send(invitation_ids=group)
        assert relationship_invitations_create(quarter_start=date(2026, 10, 1)) == []
    assert Invitation.objects.filter(email="bob@example.com").count() == 1  # two units, one service: asked once
    assert len(mail.outbox) == 2


def test_services_with_relationship_surveys_off_are_not_rated(service, finance):
    service.business_units.add(finance)
    survey_settings_update(settings=survey_settings_get(service=service), relationship_surveys=False)
    assert relationship_invitations_create(quarter_start=date(2026, 10, 1), now=at(2, 8)) == []


def test_quarters_are_named_like_2026_q4_and_a_future_one_is_refused(service, finance):
    assert quarter_parse("2026-Q4") == date(2026, 10, 1)
    with pytest.raises(ValueError, match="2026-Q4"):
        quarter_parse("2026-Q5")
    with pytest.raises(ValidationError, match="has not started yet"):
        relationship_invitations_create(quarter_start=date(2027, 1, 1), now=at(2, 8))


def test_the_command_sends_the_quarter_and_names_bad_input(service, finance):
    service.business_units.add(finance)
    out = StringIO()
    with time_machine.travel(at(2, 8), tick=False):
        call_command("send_relationship_surveys", "--quarter", "2026-Q4", stdout=out)
        assert "Q4 2026: 2 people to ask; invitations sent 2, failed 0." in out.getvalue()
        with pytest.raises(CommandError, match="not a quarter"):
            call_command("send_relationship_surveys", "--quarter", "Q4")
        with pytest.raises(CommandError, match="has not started yet"):
            call_command("send_relationship_surveys", "--quarter", "2027-Q1")
    assert {m.to[0] for m in mail.outbox} == {"ann@example.com", "bob@example.com"}


def test_the_schedules_are_installed_by_migrations(db):
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["Send event surveys"] == "feedback.schedule_event_surveys"
    assert tasks["Send quarterly relationship surveys"] == "feedback.send_relationship_surveys"
    quarterly = PeriodicTask.objects.get(name="Send quarterly relationship surveys").crontab
    assert (quarterly.day_of_month, quarterly.month_of_year) == ("1", "1,4,7,10")


# --- Links --------------------------------------------------------------------------------------------


def test_a_link_names_its_invitation_and_nothing_else_passes(invitation):
    with time_machine.travel(at(2, 9), tick=False):
        token = invitation_token(invitation)
        assert invitation_token_check(token).invitation == invitation
        assert invitation_token_check(token[:-2]).problem == LinkProblem.BAD  # cut short
        forged = signing.TimestampSigner(salt="another").sign_object({"i": invitation.pk, "n": invitation.nonce})
        assert invitation_token_check(forged).problem == LinkProblem.BAD
        invitation.nonce = "renewed"
        invitation.save(update_fields=["nonce"])
        assert invitation_token_check(token).problem == LinkProblem.BAD  # an old row's link


def test_a_link_expires_with_its_invitation(invitation):
    with time_machine.travel(at(2, 9), tick=False):
        token = invitation_token(invitation)
    with time_machine.travel(at(16, 8, 59), tick=False):
        assert invitation_token_check(token).ok
    with time_machine.travel(at(16, 9), tick=False):
        assert invitation_token_check(token).problem == LinkProblem.EXPIRED


def test_a_signature_older_than_the_validity_is_expired_even_if_the_row_says_otherwise(invitation):
    with time_machine.travel(at(1, 9), tick=False):  # signed a day before the invitation's 14 days began
        token = invitation_token(invitation)
    with time_machine.travel(at(15, 9, 1), tick=False):
        assert invitation_token_check(token).problem == LinkProblem.EXPIRED


def test_a_link_is_used_once(invitation):
    with time_machine.travel(at(3, 9), tick=False):
        token = invitation_token(invitation)
        response_record_for_invitation(invitation=invitation, answers=ResponseInput(csat=4))
        check = invitation_token_check(token)
    assert (check.problem, check.invitation) == (LinkProblem.USED, invitation)


# --- Sending ------------------------------------------------------------------------------------------


def test_an_invitation_is_sent_once_even_when_asked_twice(service):
    resolved_ticket(service, resolved_at=at(2, 9))
    [group] = event_invitations_schedule(now=NOW)
    with time_machine.travel(NOW, tick=False):
        assert invitations_send(invitation_ids=group).status == "sent"
        assert invitations_send(invitation_ids=group).status == "skipped"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ann@example.com"]
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.sent_at, invitation.attempts) == ("sent", NOW, 1)


def test_a_failed_send_is_recorded_and_retried_with_backoff(service, monkeypatch):
    resolved_ticket(service, resolved_at=at(2, 9))
    [group] = event_invitations_schedule(now=NOW)

    def refuse(**kwargs):
        raise DeliveryError("Mail server refused the message: 451 try later")

    monkeypatch.setattr("feedback.services.survey_mail.email_send", refuse)
    outcome = invitations_send(invitation_ids=group, now=NOW)
    assert (outcome.status, outcome.retry_in) == ("failed", 120)
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.attempts, invitation.sent_at) == ("failed", 1, None)
    assert "451 try later" in invitation.last_error
    assert invitations_send(invitation_ids=group, now=NOW + timedelta(minutes=1)).status == "skipped"  # too early
    for attempt in range(2, MAX_ATTEMPTS + 1):
        outcome = invitations_send(invitation_ids=group, now=NOW + timedelta(hours=attempt))
    assert (outcome.status, outcome.retry_in) == ("failed", None)  # out of attempts
    assert Invitation.objects.get().attempts == MAX_ATTEMPTS
    monkeypatch.undo()
    assert invitations_send(invitation_ids=group, now=NOW + timedelta(days=1)).status == "skipped"
    assert invitation_groups_due(now=NOW + timedelta(days=1)) == []


def test_the_sweep_resends_lost_messages_and_retries_due(service, monkeypatch):
    resolved_ticket(service, resolved_at=at(2, 9))
    [group] = event_invitations_schedule(now=NOW)
    assert invitation_groups_due(now=NOW + timedelta(minutes=5)) == []  # its own message is on its way
    assert invitation_groups_due(now=NOW + timedelta(minutes=11)) == [group]


def test_the_periodic_task_invites_sends_and_expires(service, invitation):
    resolved_ticket(service, resolved_at=at(2, 9), email="bob@example.com")
    with time_machine.travel(at(20, 10), tick=False):  # the fixture's invitation expired on the 16th
        resolved_ticket(service, resolved_at=at(19, 9), email="cy@example.com")
        result = schedule_event_surveys.delay().get()
    assert result == {"expired": 1, "invited": 1, "resent": 0}  # Bob's ticket is 18 days old by now
    assert Invitation.objects.get(email="cy@example.com").status == "sent"
    assert [m.to for m in mail.outbox] == [["cy@example.com"]]
    assert Invitation.objects.get(pk=invitation.pk).status == "expired"


def test_expiry_leaves_answered_invitations_alone(invitation):
    response_record_for_invitation(invitation=invitation, answers=ResponseInput(csat=5), now=at(3, 9))
    assert invitations_expire(now=at(20, 9)) == 0
    assert Invitation.objects.get().status == "responded"


def test_resending_gives_a_fresh_validity_but_not_to_answered_ones(service, invitation):
    answered = Invitation.objects.create(
        kind="event", service=service, kinds=["csat"], email="bob@example.com", nonce="other",
        send_after=at(2, 9), expires_at=at(16, 9),
    )  # fmt: skip
    response_record_for_invitation(invitation=answered, answers=ResponseInput(csat=5), now=at(3, 9))
    invitations_expire(now=at(20, 9))
    groups = invitations_resend(invitation_ids=[invitation.pk, answered.pk], now=at(20, 9))
    assert groups == [[invitation.pk]]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == ("scheduled", 0)
    assert invitation.expires_at == at(20, 9) + timedelta(days=14)
    with time_machine.travel(at(20, 9), tick=False):
        invitations_send(invitation_ids=groups[0])
        token = invitation_token(invitation)
    with time_machine.travel(at(21, 9), tick=False):
        assert invitation_token_check(token).ok
    assert Response.objects.count() == 1
    assert Invitation.objects.get(pk=answered.pk).status == InvitationStatus.RESPONDED
