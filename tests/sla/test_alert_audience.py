"""Whoever is e-mailed about an alert can open it, and can acknowledge it unless they are only
told (the business owner); nobody else can do either. Every kind of alert is raised by the code
that raises it in production, then checked through the API.

(The rules: sla.notifications.recipients for the e-mails; catalog/rules.py `sla.view_alert` and
`sla.acknowledge_alert` with sla.alert_selectors.alert_list for the inbox.)"""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from catalog.alignment import services as alignment
from catalog.alignment.alerts import alignment_check
from catalog.alignment.status import request_due_at
from feedback.experience.services import watermelons_check
from feedback.models import FollowUp, Response
from feedback.services.follow_ups import follow_up_open_if_detractor, follow_ups_check
from sla.models import Alert, AlertKind, AlertState, Clock, ClockKind, ClockState, Ticket
from sla.notifications import alert_recipients
from sla.notifications.delivery import ALERT_RELATED
from sla.notifications.recipients import BUSINESS_OWNER
from sla.services import (
    agreement_reviews_check,
    check_in_record,
    clocks_check_due,
    commitment_create,
    commitments_check,
    measures_evaluate,
    ticket_events_ingest,
)
from tests import factories as f
from tests.sla.conftest import at, event
from tests.sla.evaluation_helpers import add_measure, push

DEC = at(30, 0) + timedelta(days=1)
TOLD_ONLY = {BUSINESS_OWNER}  # roles that are told and read, but do not act


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


@pytest.fixture
def world(sla):
    """Payroll's alerts of every kind, each raised as in production, with distinct people in
    every role: Alex holds the ticket, Cora the commitments, Finn the follow-up."""
    people = {
        "alex": f.UserFactory(username="alex", email="alex@example.com"),
        "cora": f.UserFactory(username="cora", email="cora@example.com"),
        "finn": f.service_owner(username="finn", email="finn@example.com"),
        "bea": f.business_user(username="bea", email="bea@example.com"),
    }
    service = sla["service"]
    service.business_owner = people["bea"]
    service.save(update_fields=["business_owner"])

    # SLA clocks: assigned to Alex at 09:10; the resolve clock warns at 13:00 and is missed at 17:00.
    ticket_events_ingest(
        events=[
            event("opened", at(2, 9), service="payroll", business_unit="finance", priority=2, title="Payslips"),
            event("assigned", at(2, 9, 10), assignee="Alex Agent", assignee_email="alex@example.com"),
        ],
        now=at(2, 9, 11),
    )
    clocks_check_due(now=at(2, 13, 1))
    clocks_check_due(now=at(2, 17, 1))

    # Commitments owned by Cora: one falls behind (at risk), one is never checked in on (stale);
    # both are missed once 30 November is over.
    for title in ("Self-service payslips", "New bank format"):
        commitment_create(
            service=service,
            actor=sla["owner"],
            title=title,
            definition_of_done="Live for every employee.",
            owner=people["cora"],
            due_on=date(2026, 11, 30),
            now=at(2, 9),
        )
    first = service.commitments.get(title="Self-service payslips")
    check_in_record(commitment=first, actor=people["cora"], percent_done=5, now=at(13, 12))
    commitments_check(now=at(13, 13))
    commitments_check(now=DEC + timedelta(hours=9))

    # A success measure: at risk on 4 November, missed for November.
    payslips = add_measure(sla["agreement"])
    push(payslips, [(at(d, 10, i), 15 if (d == 4 and i < 3) else 0) for d in (2, 3, 4) for i in range(10)])
    measures_evaluate(now=at(4, 18))
    measures_evaluate(now=DEC + timedelta(minutes=30))

    # The agreement (review by 1 January 2027) is due for review within 30 days.
    agreement_reviews_check(now=DEC + timedelta(days=5))

    # An unhappy answer, its follow-up handed to Finn, not called back in time.
    response = Response.objects.create(service=service, nps=2, submitted_at=at(2, 10))
    follow_up = follow_up_open_if_detractor(response=response)
    FollowUp.objects.filter(pk=follow_up.pk).update(owner=people["finn"])
    follow_ups_check(at(6, 9))

    # Finance asks for a rota spreadsheet the catalogue lacks; Finn owes the answer and gives none.
    asked = alignment.missing_service_request_create(
        unit=sla["unit"], actor=sla["rep"], title="Rota spreadsheet", owner=people["finn"], now=at(2, 9)
    )
    alignment_check(request_due_at(asked.requested_at) + timedelta(minutes=1))

    # Payroll keeps its SLA (40 clocks on time beside each breach above) while Finance is unhappy with it.
    kept = Ticket.objects.create(source="test", external_id="KEPT", service=service, priority=2, opened_at=at(3, 9))
    Clock.objects.bulk_create(
        Clock(
            ticket=kept,
            kind=kind,
            cycle=cycle,
            priority=2,
            calendar=sla["always"],
            target_seconds=3600,
            started_at=at(3, 9),
            stopped_at=at(3, 9, 30),
            state=ClockState.MET,
            computed_at=at(3, 10),
        )
        for kind in (ClockKind.RESOLVE, ClockKind.UPDATE)
        for cycle in range(1, 41)
    )
    Response.objects.bulk_create(
        Response(service=service, business_unit=sla["unit"], csat=1, nps=1, submitted_at=at(3, 10)) for _ in range(10)
    )
    watermelons_check(now=at(20, 12))

    hr = f.BusinessUnitFactory(name="HR", slug="hr")
    unrelated = {
        "another service's owner": f.service_owner(username="uma", email="uma@example.com"),
        "a business user": f.business_user(username="ben", email="ben@example.com"),
        "a member of a unit that does not use Payroll": f.MembershipFactory(business_unit=hr).user,
    }
    finance = {
        "a Finance representative": sla["rep"],
        "a Finance member": f.MembershipFactory(business_unit=sla["unit"], is_representative=False).user,
    }
    return {"people": people, "unrelated": unrelated, "finance": finance}


def _ack(api, user, alert):
    """The answer to `user` acknowledging `alert` were it open (some were resolved meanwhile);
    the alert is left as it was."""
    fields = ("state", "acknowledged_at", "acknowledged_by", "resolved_at")
    before = Alert.objects.filter(pk=alert.pk).values(*fields).get()
    Alert.objects.filter(pk=alert.pk).update(
        state=AlertState.OPEN, acknowledged_at=None, acknowledged_by=None, resolved_at=None
    )
    api.force_authenticate(user)
    status = api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code
    Alert.objects.filter(pk=alert.pk).update(**before)
    return status


def _sees(api, user, alert):
    api.force_authenticate(user)
    status = api.get(f"/api/v1/alerts/{alert.pk}/").status_code
    listed = alert.pk in {a["id"] for a in api.get("/api/v1/alerts/?page_size=500").json()["results"]}
    return status, listed, user.has_perm("sla.view_alert", alert)


def test_every_kind_is_raised(world):
    assert set(Alert.objects.values_list("kind", flat=True)) == set(AlertKind.values)


def test_everyone_told_about_an_alert_sees_it_and_whoever_acts_acknowledges_it(world):
    api = APIClient()
    users = {u.email.lower(): u for u in get_user_model().objects.exclude(email="")}
    problems, told_by_kind = [], {}
    for alert in Alert.objects.select_related(*ALERT_RELATED).order_by("pk"):
        for recipient in alert_recipients(alert):
            user = users.get(recipient.email.lower())
            told_by_kind.setdefault(alert.kind, set()).update(recipient.roles)
            where = f"{alert.kind} {alert.key}: {recipient.email} ({', '.join(recipient.roles)})"
            if user is None:
                problems.append(f"{where} is no Accord user")
                continue
            if _sees(api, user, alert) != (200, True, True):
                problems.append(f"{where} cannot see it: {_sees(api, user, alert)}")
            expected = 403 if set(recipient.roles) <= TOLD_ONLY else 200
            if (status := _ack(api, user, alert)) != expected:
                problems.append(f"{where}: acknowledge answered {status}, not {expected}")
    assert problems == []
    # Each kind told the person who carries its subject, where it has one.
    assert {
        kind: roles for kind, roles in told_by_kind.items() if kind.startswith(("clock", "commitment", "follow"))
    } == {
        AlertKind.CLOCK_WARNING: {"assignee", "service owner"},
        AlertKind.CLOCK_BREACH: {"assignee", "service owner", "business owner"},
        AlertKind.COMMITMENT_AT_RISK: {"commitment owner", "service owner"},
        AlertKind.COMMITMENT_STALE: {"commitment owner", "service owner"},
        AlertKind.COMMITMENT_MISSED: {"commitment owner", "service owner", "business owner"},
        AlertKind.FOLLOW_UP_OVERDUE: {"follow-up owner", "service owner"},
    }


def test_nobody_unrelated_sees_or_acknowledges_an_alert(world):
    api = APIClient()
    for alert in Alert.objects.select_related("service", "owner").order_by("pk"):
        for who, user in world["unrelated"].items():
            assert _sees(api, user, alert) == (404, False, False), (alert.kind, who)
            assert _ack(api, user, alert) == 404, (alert.kind, who)
            assert not user.has_perm("sla.acknowledge_alert", alert), (alert.kind, who)


def test_an_owner_sees_only_their_own_alerts_of_a_service_they_do_not_own(world):
    api = APIClient()
    for name, kinds in {
        "alex": {AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH},
        "cora": {AlertKind.COMMITMENT_AT_RISK, AlertKind.COMMITMENT_STALE, AlertKind.COMMITMENT_MISSED},
        "finn": {AlertKind.FOLLOW_UP_OVERDUE, AlertKind.ALIGNMENT_REQUEST_OVERDUE},
    }.items():
        api.force_authenticate(world["people"][name])
        listed = api.get("/api/v1/alerts/?page_size=500").json()["results"]
        assert {a["kind"] for a in listed} == kinds, name
        assert {a["owner"] for a in listed} == {name}


# Finance's members read what threatens Finance (issue 11 §1: "what is at risk right now"); a
# detractor's follow-up is one person's feedback and a catalogue request names no service.
FINANCE_SEES = set(AlertKind.values) - {AlertKind.FOLLOW_UP_OVERDUE, AlertKind.ALIGNMENT_REQUEST_OVERDUE}


def test_a_unit_s_members_see_its_risks_and_acknowledge_none(world):
    api = APIClient()
    for who, user in world["finance"].items():
        seen = set()
        for alert in Alert.objects.select_related("service", "ticket", "owner").order_by("pk"):
            user = get_user_model().objects.get(pk=user.pk)  # no rule's cache carried over
            if alert.kind in FINANCE_SEES:
                assert _sees(api, user, alert) == (200, True, True), (alert.kind, who)
                assert _ack(api, user, alert) == 403, (alert.kind, who)
                seen.add(alert.kind)
            else:
                assert _sees(api, user, alert) == (404, False, False), (alert.kind, who)
                assert _ack(api, user, alert) == 404, (alert.kind, who)
            assert not user.has_perm("sla.acknowledge_alert", alert), (alert.kind, who)
        assert seen == FINANCE_SEES, who
