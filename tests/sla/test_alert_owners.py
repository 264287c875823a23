"""Every alert records who carries its subject (Alert.owner), as each writer raises it: the
ticket's assignee for SLA clocks, the commitment's and the follow-up's owner; nobody beyond the
service's people for measures and agreement reviews. Live alerts follow their subject to a new
owner; the migrations fill in alerts written before."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from feedback.models import FollowUp, Response
from feedback.services.follow_ups import follow_up_open_if_detractor, follow_ups_check
from sla.models import Alert, AlertKind, AlertState, Commitment, Ticket
from sla.selectors import ticket_assignee_user_ids
from sla.services import (
    agreement_reviews_check,
    check_in_record,
    clocks_check_due,
    commitment_create,
    commitment_update,
    commitments_check,
    ticket_events_ingest,
)
from tests import factories as f
from tests.sla.conftest import at, event


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


def assigned_ticket(external_id="INC-1", **assignee):
    """A P2 ticket of Payroll opened Monday 09:00 and assigned at 09:10 (the engage clock stops;
    the resolve clock warns at 13:00 and is missed at 17:00)."""
    ticket_events_ingest(
        events=[
            event("opened", at(2, 9), external_id=external_id, service="payroll", business_unit="finance", priority=2),
            event("assigned", at(2, 9, 10), external_id=external_id, **assignee),
        ],
        now=at(2, 9, 11),
    )
    return Ticket.objects.get(external_id=external_id)


def make_commitment(sla, owner, *, title="Self-service payslips"):
    return commitment_create(
        service=sla["service"],
        actor=sla["owner"],
        title=title,
        definition_of_done="Every employee downloads their payslip.",
        owner=owner,
        due_on=date(2026, 11, 30),
        now=at(2, 9),
    )


# --- SLA clocks: the ticket's assignee ----------------------------------------------------------


def test_clock_alerts_are_owned_by_the_user_the_ticket_is_assigned_to(sla):
    alex = f.UserFactory(username="alex", email="alex@example.com")
    assigned_ticket(assignee="Alex Agent", assignee_email="ALEX@example.com")

    clocks_check_due(now=at(2, 13, 1))
    clocks_check_due(now=at(2, 17, 1))

    alerts = Alert.objects.filter(kind__in=[AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH])
    assert {a.kind for a in alerts} == {AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH}
    assert {a.owner for a in alerts} == {alex}


def test_an_assignee_named_without_an_e_mail_is_found_by_username(sla):
    alex = f.UserFactory(username="alex", email="alex@example.com")
    assigned_ticket(assignee="alex", assignee_email="")

    clocks_check_due(now=at(2, 13, 1))

    assert Alert.objects.exists()
    assert {a.owner for a in Alert.objects.all()} == {alex}


def test_an_assignee_without_an_accord_account_owns_nothing(sla):
    f.UserFactory(username="sam", email="sam@example.com")  # same name, another address: not them
    assigned_ticket(assignee="sam", assignee_email="sam@vendor.example")

    clocks_check_due(now=at(2, 13, 1))

    assert Alert.objects.exists()
    assert {a.owner for a in Alert.objects.all()} == {None}


def test_assignees_are_matched_in_two_queries_earliest_user_first_and_only_active_ones(sla, django_assert_num_queries):
    first = f.UserFactory(username="bo", email="bo@example.com")
    f.UserFactory(username="bo2", email="BO@example.com")
    f.UserFactory(username="gone", email="gone@example.com", is_active=False)
    tickets = [
        assigned_ticket("INC-1", assignee="Bo", assignee_email="bo@example.com"),
        assigned_ticket("INC-2", assignee="bo", assignee_email=""),
        assigned_ticket("INC-3", assignee="Gone", assignee_email="gone@example.com"),
        assigned_ticket("INC-4", assignee="", assignee_email=""),
    ]

    with django_assert_num_queries(2):
        found = ticket_assignee_user_ids(ticket_ids=[t.pk for t in tickets])

    assert found == {tickets[0].pk: first.pk, tickets[1].pk: first.pk}


def test_a_reassigned_ticket_s_next_alert_is_owned_by_the_new_assignee(sla):
    alex = f.UserFactory(username="alex", email="alex@example.com")
    bea = f.UserFactory(username="bea", email="bea@example.com")
    assigned_ticket(assignee="Alex", assignee_email="alex@example.com")
    clocks_check_due(now=at(2, 13, 1))  # 50% of the resolve clock
    ticket_events_ingest(
        events=[event("assigned", at(2, 14), assignee="Bea", assignee_email="bea@example.com")], now=at(2, 14, 1)
    )

    clocks_check_due(now=at(2, 17, 1))

    warnings = Alert.objects.filter(kind=AlertKind.CLOCK_WARNING, opened_at__lt=at(2, 14))
    breaches = Alert.objects.filter(kind=AlertKind.CLOCK_BREACH)
    assert warnings.exists() and breaches.exists()
    assert {a.owner for a in warnings} == {alex}  # raised while Alex held the ticket
    assert {a.owner for a in breaches} == {bea}


# --- Commitments, follow-ups, measures, agreement reviews ---------------------------------------


def test_commitment_alerts_are_owned_by_the_commitment_s_owner_and_follow_it(sla):
    cora, dan = f.UserFactory(username="cora"), f.UserFactory(username="dan")
    commitment = make_commitment(sla, cora)
    check_in_record(commitment=commitment, actor=cora, percent_done=5, now=at(13, 12))  # forecast past 30 Nov
    [at_risk] = Alert.objects.filter(kind=AlertKind.COMMITMENT_AT_RISK)
    assert at_risk.owner == cora

    commitment_update(commitment=commitment, actor=sla["owner"], owner=dan, now=at(13, 13))

    at_risk.refresh_from_db()
    assert at_risk.owner == dan  # live: it follows the commitment to its new owner


def test_a_resolved_alert_keeps_the_owner_it_had(sla):
    cora, dan = f.UserFactory(username="cora"), f.UserFactory(username="dan")
    commitment = make_commitment(sla, cora)
    check_in_record(commitment=commitment, actor=cora, percent_done=5, now=at(13, 12))
    check_in_record(commitment=commitment, actor=cora, percent_done=90, now=at(14, 12))  # back on track
    [at_risk] = Alert.objects.filter(kind=AlertKind.COMMITMENT_AT_RISK)
    assert at_risk.state == AlertState.RESOLVED

    commitment_update(commitment=commitment, actor=sla["owner"], owner=dan, now=at(14, 13))
    commitments_check(now=at(14, 14))

    at_risk.refresh_from_db()
    assert at_risk.owner == cora


def test_an_overdue_follow_up_alert_is_owned_by_the_follow_up_s_owner_and_follows_it(sla):
    finn, gail = f.UserFactory(username="finn"), f.UserFactory(username="gail")
    response = Response.objects.create(service=sla["service"], nps=2, submitted_at=at(2, 10))
    follow_up = follow_up_open_if_detractor(response=response)
    FollowUp.objects.filter(pk=follow_up.pk).update(owner=finn)  # handed over, e.g. in the admin
    follow_ups_check(at(6, 9))
    alert = Alert.objects.get(kind=AlertKind.FOLLOW_UP_OVERDUE)
    assert alert.owner == finn

    FollowUp.objects.filter(pk=follow_up.pk).update(owner=gail)
    follow_ups_check(at(6, 10))  # the hourly pass

    alert.refresh_from_db()
    assert alert.owner == gail


def test_agreement_review_alerts_belong_to_the_service_s_people_only(sla):
    agreement_reviews_check(now=at(5, 12).replace(month=12))  # review by 1 Jan 2027

    assert Alert.objects.get(kind=AlertKind.AGREEMENT_REVIEW_DUE).owner is None


# --- The migrations fill in existing alerts -------------------------------------------------------


def _alert(key, kind, **fields) -> Alert:
    return Alert.objects.create(key=key, kind=kind, subject=key, opened_at=at(2, 9), **fields)


def test_the_migrations_fill_in_the_owners_of_existing_alerts_from_their_subjects(sla):
    alex = f.UserFactory(username="alex", email="alex@example.com")
    cora, finn = f.UserFactory(username="cora"), f.UserFactory(username="finn")
    service = sla["service"]
    mine = Ticket.objects.create(
        service=service,
        source="t",
        external_id="A",
        assignee="Alex",
        assignee_email="Alex@Example.com",
        opened_at=at(2, 9),
    )
    named = Ticket.objects.create(service=service, source="t", external_id="B", assignee="alex", opened_at=at(2, 9))
    vendor = Ticket.objects.create(
        service=service, source="t", external_id="C", assignee_email="sam@vendor.example", opened_at=at(2, 9)
    )
    commitment = make_commitment(sla, cora)
    response = Response.objects.create(service=service, nps=2, submitted_at=at(2, 10))
    follow_up = FollowUp.objects.create(response=response, service=service, owner=finn, due_at=at(4, 10))
    alerts = {
        "warning": _alert("w", AlertKind.CLOCK_WARNING, service=service, ticket=mine),
        "breach": _alert("b", AlertKind.CLOCK_BREACH, service=service, ticket=named),
        "vendor": _alert("v", AlertKind.CLOCK_BREACH, service=service, ticket=vendor),
        "stale": _alert("s", AlertKind.COMMITMENT_STALE, service=service, details={"commitment_id": commitment.pk}),
        "gone": _alert("g", AlertKind.COMMITMENT_MISSED, service=service, details={"commitment_id": 999_999}),
        "follow_up": _alert("f", AlertKind.FOLLOW_UP_OVERDUE, service=service, details={"follow_up_id": follow_up.pk}),
        "measure": _alert("m", AlertKind.MEASURE_MISSED, service=service, details={"measure_id": 1}),
    }
    Alert.objects.update(owner=None)

    import_module("sla.migrations.0012_alert_owner").backfill_owners(django_apps, None)
    import_module("feedback.migrations.0005_follow_up_alert_owners").backfill_owners(django_apps, None)

    owners = {name: Alert.objects.get(pk=alert.pk).owner for name, alert in alerts.items()}
    assert owners == {
        "warning": alex,
        "breach": alex,
        "vendor": None,
        "stale": cora,
        "gone": None,
        "follow_up": finn,
        "measure": None,
    }
    assert Commitment.objects.get().owner == cora  # subjects untouched


def test_the_backfill_works_in_batches(sla, monkeypatch):
    alex = f.UserFactory(username="alex", email="alex@example.com")
    migration = import_module("sla.migrations.0012_alert_owner")
    monkeypatch.setattr(migration, "BATCH", 2)
    tickets = [
        Ticket.objects.create(
            service=sla["service"],
            source="t",
            external_id=f"T{n}",
            assignee_email="alex@example.com",
            opened_at=at(2, 9),
        )
        for n in range(5)
    ]
    for n, ticket in enumerate(tickets):
        _alert(f"k{n}", AlertKind.CLOCK_WARNING, service=sla["service"], ticket=ticket)

    migration.backfill_owners(django_apps, None)

    assert list(Alert.objects.values_list("owner", flat=True).distinct()) == [alex.pk]
