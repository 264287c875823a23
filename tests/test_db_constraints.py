"""Every invariant that matters is a database constraint too: a writer that bypasses the
services and their validation (a raw .update(), bulk_create, a hand-written SQL fix, a future
bug) is refused by the database itself, on SQLite and on PostgreSQL.

Generated from the models: every CheckConstraint and UniqueConstraint declared on any installed
model is a case below, and a constraint with no line in CASES fails its case, so a new
constraint cannot be added without a test of the database refusing it (the access matrix does
the same for routes, tests/test_access_matrix.py).

Each case starts from one valid row of each kind (tests/constraint_rows.py) and writes the
violation with a queryset .update() or a bulk_create of a copy of a row, which run no validation
at all; the database must raise IntegrityError naming that constraint."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Subquery

from catalog.models import (
    Agreement,
    AgreementStatus,
    AlignmentSnapshot,
    ApiToken,
    BusinessUnit,
    CostDriver,
    Measure,
    Membership,
    MissingServiceRequest,
    MissingServiceRequestEvent,
    Service,
    ServiceCost,
    ServiceDependency,
    ServiceMark,
    UrgencyTarget,
)
from feedback.models import FollowUp, Invitation, Response, SelfAssessment, SurveySettings, ThemeMatch
from portal.models import Review, ReviewAction, ReviewEmail
from sla.models import (
    Alert,
    CheckIn,
    Clock,
    ClosureDate,
    Commitment,
    Integration,
    MeasureEvaluation,
    Measurement,
    MeasurementCorrection,
    NotificationDelivery,
    Ticket,
    TicketEvent,
    TicketObservation,
    WorkingInterval,
)
from tests.constraint_rows import NOW, constraint_rows
from tests.sla.conftest import at, sla
from tests.sla.test_checks import queued

__all__ = ["queued", "sla"]  # the fixtures, used by name

H = timedelta(hours=1)
Write = Callable[[dict], object]

# Every constraint of every installed model, by name (Django's checks keep the names unique).
DECLARED: dict[str, tuple[type[models.Model], models.BaseConstraint]] = {
    constraint.name: (model, constraint) for model in apps.get_models() for constraint in model._meta.constraints
}


def update(model: type[models.Model], where: dict | None = None, **values) -> Write:
    """Write `values` over the model's rows (those matching `where`) with a queryset .update()."""

    def write(rows: dict) -> None:
        rows_to_break = model.objects.filter(**(where or {}))
        assert rows_to_break.exists(), f"no {model.__name__} row to break"
        rows_to_break.update(**values)

    return write


def twin(model: type[models.Model], where: dict | None = None, **changes) -> Write:
    """bulk_create a copy of one existing row (the first matching `where`) with `changes` (by
    column attribute: `service_id`, not `service`): the copy repeats what a unique key forbids."""

    def write(rows: dict) -> None:
        row = model.objects.filter(**(where or {})).order_by("pk").first()
        assert row is not None, f"no {model.__name__} row to copy"
        values = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        model.objects.bulk_create([model(**{**values, **changes})])

    return write


def second_open_version(rows: dict) -> None:
    """Two drafts of one agreement: the first fits (the agreed version is not open), the second not."""
    unsigned = {"status": AgreementStatus.DRAFT, "it_signed_by_id": None, "business_signed_by_id": None}
    twin(Agreement, version=2, agreed_at=None, **unsigned)(rows)
    twin(Agreement, {"version": 2}, version=3, **unsigned)(rows)


def second_agreed_version(rows: dict) -> None:
    twin(Agreement, version=2)(rows)


def repeated_external_response_id(rows: dict) -> None:
    Response.objects.update(source="api", external_id="zd-1")
    twin(Response)(rows)


EVENT_SURVEY, RELATIONSHIP_SURVEY = {"kind": "event"}, {"kind": "relationship"}
OPEN = {"state": "open"}

# constraint -> the writes that break it (each must be refused naming it).
CASES: dict[str, list[Write]] = {
    # catalog: the catalogue, alignment and costs
    "service_lifecycle_known": [update(Service, lifecycle="sunset")],
    "service_annual_cost_not_negative": [update(Service, annual_cost=-1)],
    "service_criticality_1_4": [update(Service, criticality=9), update(Service, criticality=0)],
    "service_dependency_unique": [twin(ServiceDependency)],
    "service_dependency_not_self": [update(ServiceDependency, depends_on_id=F("service_id"))],
    "membership_unique": [twin(Membership)],
    "service_mark_unique": [twin(ServiceMark)],
    "missing_service_state_known": [update(MissingServiceRequest, state="lost")],
    "missing_service_source_known": [update(MissingServiceRequest, source="stolen")],
    "missing_service_answered_when_answered": [
        update(MissingServiceRequest, state="added"),  # answered, without when
        update(MissingServiceRequest, answered_at=NOW),  # open, with an answer's time
    ],
    "missing_service_withdrawn_when_withdrawn": [
        update(MissingServiceRequest, state="withdrawn"),
        update(MissingServiceRequest, withdrawn_at=NOW),  # still open
    ],
    "missing_service_declined_with_reason": [
        update(MissingServiceRequest, state="declined", answered_at=NOW, answer=""),
    ],
    "missing_service_cost_not_negative": [update(MissingServiceRequest, annual_cost=-1)],
    "missing_service_event_kind_known": [update(MissingServiceRequestEvent, kind="deleted")],
    "alignment_snapshot_one_a_day": [twin(AlignmentSnapshot)],
    "alignment_snapshot_share_0_1": [
        update(AlignmentSnapshot, share=Decimal("1.0001")),
        update(AlignmentSnapshot, share=Decimal("-0.0001")),
    ],
    "service_cost_rule_known": [update(ServiceCost, allocation_rule="revenue")],
    "cost_driver_amount_not_negative": [update(CostDriver, amount=Decimal("-0.01"))],
    "cost_driver_quantity_not_negative": [update(CostDriver, quantity=Decimal("-1"))],
    "cost_driver_name_unique_per_service": [twin(CostDriver)],
    "api_token_has_a_scope": [update(ApiToken, can_read=False, can_ingest=False, can_manage=False)],
    # catalog: agreements, targets and measures
    "agreement_version_unique": [twin(Agreement, status="withdrawn", withdrawn_at=NOW)],
    "agreement_version_from_1": [update(Agreement, version=0)],
    "agreement_status_known": [update(Agreement, status="signed")],
    "agreement_one_in_force": [second_agreed_version],
    "agreement_one_open_version": [second_open_version],
    "agreement_signed_by_both_sides": [
        update(Agreement, it_signed_by=None),
        update(Agreement, business_signed_by=None),
        update(Agreement, agreed_at=None),
    ],
    "agreement_signed_by_two_people": [update(Agreement, business_signed_by_id=F("it_signed_by_id"))],
    "agreement_superseded_records_by_what": [update(Agreement, status="superseded", superseded_at=NOW)],
    "agreement_withdrawn_records_when": [update(Agreement, status="withdrawn")],
    "agreement_review_after_effective": [update(Agreement, review_by=date(2025, 1, 1))],
    "urgency_target_one_per_priority": [twin(UrgencyTarget)],
    "urgency_target_priority_1_5": [
        update(UrgencyTarget, {"priority": 3}, priority=6),
        update(UrgencyTarget, {"priority": 1}, priority=0),
    ],
    "urgency_target_times_positive": [
        update(UrgencyTarget, engage_within=timedelta(0)),
        update(UrgencyTarget, resolve_within=-H),
    ],
    "urgency_target_update_every_positive": [update(UrgencyTarget, update_every=timedelta(0))],
    "urgency_target_objective_0_100": [
        update(UrgencyTarget, objective_percent=100.5),
        update(UrgencyTarget, objective_percent=-1),
    ],
    "measure_key_unique_per_agreement": [twin(Measure)],
    "measure_warning_on_the_safe_side": [
        update(Measure, warning_level=90),  # higher is better, target 95
        update(Measure, direction="lower"),  # lower is better: 97 > 95
    ],
    "measure_valid_range_ordered": [update(Measure, valid_min=10, valid_max=5)],
    "measure_ticket_priority_1_5": [update(Measure, ticket_priority=6)],
    "measure_ticket_within_positive": [update(Measure, ticket_within=timedelta(0))],
    "measure_choices_known": [
        update(Measure, period="decade"),
        update(Measure, source="guess"),
        update(Measure, aggregation="mode"),
        update(Measure, direction="up", warning_level=None),
    ],
    # sla: calendars, tickets, clocks, alerts, deliveries
    "working_interval_weekday_range": [update(WorkingInterval, {"weekday": 0}, weekday=7)],
    "working_interval_within_day": [
        update(WorkingInterval, end=1441),
        update(WorkingInterval, start=F("end")),
    ],
    "working_interval_unique_start": [twin(WorkingInterval)],
    "closure_date_unique": [twin(ClosureDate)],
    "ticket_source_external_id_unique": [twin(Ticket)],
    "ticket_priority_1_5": [update(Ticket, priority=0), update(Ticket, priority=6)],
    "ticket_state_known": [update(Ticket, state="lost")],
    "ticket_observation_key_unique": [twin(TicketObservation)],
    "ticket_event_idempotency_unique": [twin(TicketEvent)],
    "clock_ticket_kind_cycle_unique": [twin(Clock)],
    "clock_choices_known": [update(Clock, state="stopped"), update(Clock, kind="lunch")],
    "alert_choices_known": [
        update(Alert, kind="rumour"),
        update(Alert, state="ignored"),
        update(Alert, severity="dire"),
    ],
    "notification_delivery_once": [twin(NotificationDelivery)],
    "notification_delivery_choices_known": [
        update(NotificationDelivery, channel="pigeon"),
        update(NotificationDelivery, status="lost"),
    ],
    "notification_delivery_sent_has_when": [update(NotificationDelivery, status="sent", sent_at=None)],
    "integration_kind_and_default_priority_known": [
        update(Integration, default_priority=6),
        update(Integration, default_priority=0),
        update(Integration, kind="trello"),
    ],
    # sla: commitments, measurements, evaluations
    "commitment_due_after_committed": [update(Commitment, due_on=date(2026, 9, 1))],
    "commitment_cadence_positive": [update(Commitment, check_in_every=timedelta(0))],
    "commitment_grace_not_negative": [update(Commitment, grace=-H)],
    "commitment_outcome_known": [update(Commitment, outcome="forgotten")],
    "check_in_percent_at_most_100": [update(CheckIn, percent_done=101)],
    "measurement_sender_id_unique": [twin(Measurement, value=2)],
    "measurement_source_known": [update(Measurement, source="rumour")],
    "measurement_correction_has_reason": [update(MeasurementCorrection, reason="")],
    "measure_evaluation_one_per_period": [twin(MeasureEvaluation, period_end=at(20, 0))],
    "measure_evaluation_period_ordered": [
        update(MeasureEvaluation, period_end=at(1, 0)),  # empty period
        update(MeasureEvaluation, period_end=at(1, 0) - H),
    ],
    "measure_evaluation_status_known": [update(MeasureEvaluation, status="fine")],
    # feedback
    "survey_settings_within_bounds": [
        update(SurveySettings, event_delay=-H),
        update(SurveySettings, event_delay=timedelta(days=7, seconds=1)),
        update(SurveySettings, invitation_valid_for=timedelta(days=91)),
        update(SurveySettings, invitation_valid_for=timedelta(hours=23)),
        update(SurveySettings, fatigue_days=366),
    ],
    "invitation_choices_known": [update(Invitation, status="forgotten"), update(Invitation, kind="letter")],
    "invitation_relationship_has_its_quarter": [update(Invitation, EVENT_SURVEY, kind="relationship")],
    "invitation_one_event_survey_per_ticket": [twin(Invitation, EVENT_SURVEY, nonce="n3", email="cy@example.com")],
    "invitation_one_relationship_survey_per_quarter": [twin(Invitation, RELATIONSHIP_SURVEY, nonce="n3")],
    "response_csat_1_5": [update(Response, csat=6), update(Response, csat=0)],
    "response_nps_0_10": [update(Response, nps=11)],  # below 0: the column is unsigned
    "response_ces_1_7": [update(Response, ces=8), update(Response, ces=0)],
    "response_lost_time_choices": [update(Response, lost_time="week")],
    "response_choices_known": [update(Response, source="fax"), update(Response, kind="rumour")],
    "response_external_id_unique": [repeated_external_response_id],
    "follow_up_state_known": [update(FollowUp, state="ignored", contacted_at=NOW)],
    "follow_up_contacted_has_when": [update(FollowUp, state="contacted"), update(FollowUp, state="closed")],
    "theme_match_unique": [twin(ThemeMatch)],
    "self_assessment_one_per_quarter": [twin(SelfAssessment)],
    # portal: reviews
    "review_one_subject": [
        update(Review, {"service__isnull": False}, business_unit_id=Subquery(BusinessUnit.objects.values("pk")[:1])),
        update(Review, {"service__isnull": False}, service=None),
    ],
    "review_period_known": [update(Review, period="year")],
    "review_once_per_service_period": [twin(Review, {"service__isnull": False})],
    "review_once_per_unit_period": [twin(Review, {"business_unit__isnull": False})],
    "review_action_status_known": [update(ReviewAction, status="lost", closed_on=date(2026, 11, 2))],
    "review_action_closed_when_not_open": [
        update(ReviewAction, status="done"),  # without when
        update(ReviewAction, closed_on=date(2026, 11, 2)),  # still open
    ],
    "review_email_once": [twin(ReviewEmail)],
}

# An unknown state breaks `missing_service_answered_when_answered` too (it lists the states that
# may, and must, carry an answer's time), which the database may check first: either name shows
# the refusal.
ALSO_NAMED = {"missing_service_state_known": "missing_service_answered_when_answered"}


@pytest.fixture
def rows(sla):
    return constraint_rows(sla)


def names_in_error(constraint: str) -> tuple[str, ...]:
    """How the database names the refused constraint. PostgreSQL names every one; SQLite names a
    CHECK constraint, lists a unique constraint's columns, and names a unique index over
    expressions ("index 'name'")."""
    names = (constraint, ALSO_NAMED[constraint]) if constraint in ALSO_NAMED else (constraint,)
    if connection.vendor != "sqlite":
        return names
    model, declared = DECLARED[constraint]
    if isinstance(declared, models.CheckConstraint):
        return names
    if declared.fields:
        table = model._meta.db_table
        columns = ", ".join(f"{table}.{model._meta.get_field(name).column}" for name in declared.fields)
        return (f"UNIQUE constraint failed: {columns}",)
    return (f"UNIQUE constraint failed: index '{constraint}'",)


def refused(constraint: str, write: Write, rows: dict) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write(rows)
    expected = names_in_error(constraint)
    assert any(name in str(error.value) for name in expected), (expected, str(error.value))


@pytest.mark.parametrize("constraint", sorted(DECLARED))
def test_the_database_refuses_a_write_that_breaks_the_constraint(rows, constraint):
    writes = CASES.get(constraint)
    assert writes, f"{constraint} has no case in CASES: add the writes that break it"
    for write in writes:
        refused(constraint, write, rows)


def test_every_case_is_a_declared_constraint():
    """A renamed or removed constraint leaves no case behind."""
    assert set(CASES) - set(DECLARED) == set()


def test_the_security_docs_name_every_constraint():
    """docs/security.md#database-constraints lists them all, for the people who read it."""
    text = (settings.BASE_DIR / "docs" / "security.md").read_text()
    assert [name for name in sorted(DECLARED) if f"`{name}`" not in text] == []


def test_valid_values_at_the_edges_are_accepted(rows):
    """The constraints are not stricter than the rules: the bounds themselves are allowed."""
    UrgencyTarget.objects.update(objective_percent=100)
    UrgencyTarget.objects.filter(priority=3).update(priority=5)
    Measure.objects.update(warning_level=95)  # a warning at the target itself
    Response.objects.update(csat=5, nps=0, ces=7, lost_time="more")
    SurveySettings.objects.update(event_delay=timedelta(0), invitation_valid_for=timedelta(days=1), fatigue_days=0)
    Integration.objects.update(default_priority=5)
    FollowUp.objects.update(state="contacted", contacted_at=NOW)
    AlignmentSnapshot.objects.update(share=1)
    AlignmentSnapshot.objects.update(share=0)
    CostDriver.objects.update(amount=0, quantity=None)
    MissingServiceRequest.objects.update(annual_cost=0, state="declined", answered_at=NOW, answer="Not IT's to run.")
    WorkingInterval.objects.filter(weekday=0).update(weekday=6, start=0, end=1440)
    ReviewAction.objects.update(status="dropped", closed_on=date(2026, 11, 2))
    CheckIn.objects.update(percent_done=100)
    Commitment.objects.update(due_on=F("committed_on"), grace=timedelta(0))
