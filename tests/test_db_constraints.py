"""Every invariant that matters is a database constraint too: a writer that bypasses the
services and their validation (a raw .update(), bulk_create, a hand-written SQL fix, a future
bug) is refused by the database itself, on SQLite and on PostgreSQL.

Each case starts from one valid row of each kind (made once, below) and writes one violation
with a queryset .update() or bulk_create, which run no validation at all; the database must
raise IntegrityError naming the constraint (PostgreSQL names unique constraints too; SQLite
names only its CHECK constraints)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import Agreement, AgreementStatus, Measure, Service, UrgencyTarget
from feedback.models import FollowUp, Invitation, Response, SurveySettings
from sla.models import (
    Alert,
    CheckIn,
    Clock,
    Commitment,
    Integration,
    MeasureEvaluation,
    Measurement,
    NotificationDelivery,
    Ticket,
)
from tests.sla.conftest import at, sla
from tests.sla.test_checks import open_ticket, queued

__all__ = ["queued", "sla"]  # the fixtures, used by name

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def rows(sla):
    """One valid row of each kind the cases below break."""
    open_ticket()
    ticket = Ticket.objects.get()
    measure = Measure.objects.create(
        agreement=sla["agreement"],
        key="payslips-on-time",
        name="Payslips on time",
        factor="results",
        target=95,
        warning_level=97,
        direction="higher",
    )
    alert = Alert.objects.create(key="test:1", kind="clock_warning", subject="At risk", opened_at=NOW)
    invitation = Invitation.objects.create(
        kind="event",
        service=sla["service"],
        ticket=ticket,
        email="ann@example.com",
        nonce="n1",
        send_after=NOW,
        expires_at=NOW + 14 * 24 * H,
    )
    response = Response.objects.create(service=sla["service"], csat=2, nps=3, ces=2, submitted_at=NOW)
    commitment = Commitment.objects.create(
        service=sla["service"],
        title="New interface",
        definition_of_done="Live.",
        owner=sla["owner"],
        committed_on=date(2026, 10, 1),
        due_on=date(2026, 12, 1),
    )
    CheckIn.objects.create(commitment=commitment, at=NOW, percent_done=40, by=sla["owner"])
    Measurement.objects.create(service=sla["service"], measure_key=measure.key, value=1, measured_at=NOW, sender_id="a")
    MeasureEvaluation.objects.create(
        measure=measure,
        service=sla["service"],
        measure_key=measure.key,
        period_start=at(1, 0),
        period_end=datetime(2026, 12, 1, tzinfo=UTC),
        computed_at=NOW,
    )
    NotificationDelivery.objects.create(alert=alert, channel="email", target="owner@example.com")
    Integration.objects.create(kind="jira", name="Jira", slug="jira")
    SurveySettings.objects.create(service=sla["service"])
    FollowUp.objects.create(response=response, service=sla["service"], owner=sla["owner"], due_at=NOW)
    assert Clock.objects.filter(ticket=ticket).exists()
    return {**sla, "ticket": ticket, "measure": measure, "alert": alert, "invitation": invitation}


# (constraint, model, the violating values written over every row of the model)
UPDATES = [
    # catalog
    ("service_lifecycle_known", Service, {"lifecycle": "sunset"}),
    ("service_annual_cost_not_negative", Service, {"annual_cost": -1}),
    ("service_criticality_1_4", Service, {"criticality": 9}),
    ("agreement_version_from_1", Agreement, {"version": 0}),
    ("agreement_status_known", Agreement, {"status": "signed"}),
    ("agreement_review_after_effective", Agreement, {"review_by": date(2025, 1, 1)}),
    ("urgency_target_times_positive", UrgencyTarget, {"engage_within": timedelta(0)}),
    ("urgency_target_times_positive", UrgencyTarget, {"resolve_within": -H}),
    ("urgency_target_update_every_positive", UrgencyTarget, {"update_every": timedelta(0)}),
    ("urgency_target_objective_0_100", UrgencyTarget, {"objective_percent": 100.5}),
    ("urgency_target_objective_0_100", UrgencyTarget, {"objective_percent": -1}),
    ("measure_warning_on_the_safe_side", Measure, {"warning_level": 90}),  # higher is better, target 95
    ("measure_warning_on_the_safe_side", Measure, {"direction": "lower"}),  # lower is better: 97 > 95
    ("measure_valid_range_ordered", Measure, {"valid_min": 10, "valid_max": 5}),
    ("measure_ticket_priority_1_5", Measure, {"ticket_priority": 6}),
    ("measure_ticket_within_positive", Measure, {"ticket_within": timedelta(0)}),
    ("measure_choices_known", Measure, {"period": "decade"}),
    ("measure_choices_known", Measure, {"source": "guess"}),
    # sla
    ("ticket_priority_1_5", Ticket, {"priority": 0}),
    ("ticket_state_known", Ticket, {"state": "lost"}),
    ("clock_choices_known", Clock, {"state": "stopped"}),
    ("alert_choices_known", Alert, {"kind": "rumour"}),
    ("alert_choices_known", Alert, {"state": "ignored"}),
    ("alert_choices_known", Alert, {"severity": "dire"}),
    ("notification_delivery_choices_known", NotificationDelivery, {"channel": "pigeon"}),
    ("notification_delivery_sent_has_when", NotificationDelivery, {"status": "sent", "sent_at": None}),
    ("commitment_due_after_committed", Commitment, {"due_on": date(2026, 9, 1)}),
    ("commitment_cadence_positive", Commitment, {"check_in_every": timedelta(0)}),
    ("commitment_grace_not_negative", Commitment, {"grace": -H}),
    ("commitment_outcome_known", Commitment, {"outcome": "forgotten"}),
    ("check_in_percent_at_most_100", CheckIn, {"percent_done": 101}),
    ("measurement_source_known", Measurement, {"source": "rumour"}),
    ("measure_evaluation_period_ordered", MeasureEvaluation, {"period_end": at(1, 0)}),
    ("measure_evaluation_status_known", MeasureEvaluation, {"status": "fine"}),
    ("integration_kind_and_default_priority_known", Integration, {"default_priority": 6}),
    ("integration_kind_and_default_priority_known", Integration, {"kind": "trello"}),
    # feedback
    ("response_csat_1_5", Response, {"csat": 6}),
    ("response_csat_1_5", Response, {"csat": 0}),
    ("response_nps_0_10", Response, {"nps": 11}),
    ("response_ces_1_7", Response, {"ces": 8}),
    ("response_choices_known", Response, {"source": "fax"}),
    ("invitation_choices_known", Invitation, {"status": "forgotten"}),
    ("invitation_relationship_has_its_quarter", Invitation, {"kind": "relationship"}),  # without a quarter
    ("follow_up_state_known", FollowUp, {"state": "ignored", "contacted_at": NOW}),
    ("follow_up_contacted_has_when", FollowUp, {"state": "contacted"}),
    ("survey_settings_within_bounds", SurveySettings, {"event_delay": -H}),
    ("survey_settings_within_bounds", SurveySettings, {"invitation_valid_for": timedelta(days=91)}),
    ("survey_settings_within_bounds", SurveySettings, {"fatigue_days": 366}),
]


def refused(constraint: str, write) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    assert constraint in str(error.value), error.value


@pytest.mark.parametrize(
    ("constraint", "model", "values"),
    UPDATES,
    ids=[f"{c}-{'-'.join(v)}" for c, _, v in UPDATES],
)
def test_the_database_refuses_an_update_that_breaks_an_invariant(rows, constraint, model, values):
    assert model.objects.exists()
    refused(constraint, lambda: model.objects.update(**values))


def test_valid_values_at_the_edges_are_accepted(rows):
    """The constraints are not stricter than the rules: the bounds themselves are allowed."""
    UrgencyTarget.objects.update(objective_percent=100)
    Measure.objects.update(warning_level=95)  # a warning at the target itself
    Response.objects.update(csat=5, nps=0, ces=7)
    SurveySettings.objects.update(event_delay=timedelta(0), invitation_valid_for=timedelta(days=1), fatigue_days=0)
    Integration.objects.update(default_priority=5)
    FollowUp.objects.update(state="contacted", contacted_at=NOW)


def test_a_repeated_sender_id_is_refused_by_the_database(rows):
    """The idempotency of pushed measurements rests on a unique key, not on a read-then-write."""
    original = Measurement.objects.get()
    twin = Measurement(
        service=original.service, measure_key=original.measure_key, value=2, measured_at=NOW, sender_id="a"
    )
    refused(name_if_named("measurement_sender_id_unique"), lambda: Measurement.objects.bulk_create([twin]))


def test_a_second_agreed_version_for_one_service_and_unit_is_refused(rows):
    agreement = rows["agreement"]
    assert agreement.status == AgreementStatus.AGREED
    twin = Agreement(service=agreement.service, business_unit=agreement.business_unit, version=99, status="draft")
    Agreement.objects.bulk_create([twin])
    refused(
        name_if_named("agreement_one_in_force"),
        lambda: Agreement.objects.filter(version=99).update(
            status=AgreementStatus.AGREED,
            it_signed_by=rows["owner"],
            business_signed_by=rows["rep"],
            agreed_at=NOW,
        ),
    )


def test_an_external_response_id_is_stored_once(rows):
    Response.objects.update(source="api", external_id="zd-1")
    again = Response(service=rows["service"], source="api", external_id="zd-1", csat=4, submitted_at=NOW)
    refused(name_if_named("response_external_id_unique"), lambda: Response.objects.bulk_create([again]))


def name_if_named(constraint: str) -> str:
    """PostgreSQL names a unique constraint in its error; SQLite lists the columns instead."""
    return constraint if connection.vendor == "postgresql" else "UNIQUE constraint failed"
