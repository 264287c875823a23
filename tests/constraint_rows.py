"""One valid row of every model that carries a database constraint, for
tests/test_db_constraints.py to break: built on the agreed SLA of tests/sla/conftest.py (a
service, its unit, owner and representative, two calendars, an agreement with three targets)
and one ticket opened through ingestion (its observation, event and clocks)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from catalog.models import (
    AlignmentSnapshot,
    CostDriver,
    Measure,
    MissingServiceRequest,
    MissingServiceRequestEvent,
    ServiceCost,
    ServiceDependency,
    ServiceMark,
)
from catalog.tokens import api_token_issue
from feedback.models import FollowUp, Invitation, Response, SelfAssessment, SurveySettings, Theme, ThemeMatch
from portal.models import Review, ReviewAction, ReviewEmail
from sla.models import (
    Alert,
    CheckIn,
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
)
from tests import factories as f
from tests.sla.conftest import at
from tests.sla.test_checks import open_ticket

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def constraint_rows(sla: dict) -> dict:
    """Write the rows (valid: every one passes its constraints) and return the ones named below."""
    service, unit, owner = sla["service"], sla["unit"], sla["owner"]
    open_ticket()
    ticket = Ticket.objects.get()
    assert TicketObservation.objects.filter(external_id=ticket.external_id).exists()
    assert TicketEvent.objects.filter(ticket=ticket).exists()
    _catalogue(service, unit, owner)
    measure = Measure.objects.create(
        agreement=sla["agreement"],
        key="payslips-on-time",
        name="Payslips on time",
        factor="results",
        target=95,
        warning_level=97,
        direction="higher",
    )
    measurement = Measurement.objects.create(
        service=service, measure_key=measure.key, value=1, measured_at=NOW, sender_id="a"
    )
    MeasurementCorrection.objects.create(
        measurement=measurement,
        service=service,
        measure_key=measure.key,
        sender_id="a",
        measured_at=NOW,
        old_value=0,
        new_value=1,
        reason="Typed in the wrong column.",
        corrected_at=NOW,
    )
    MeasureEvaluation.objects.create(
        measure=measure,
        service=service,
        measure_key=measure.key,
        period_start=at(1, 0),
        period_end=datetime(2026, 12, 1, tzinfo=UTC),
        computed_at=NOW,
    )
    commitment = Commitment.objects.create(
        service=service,
        title="New interface",
        definition_of_done="Live.",
        owner=owner,
        committed_on=date(2026, 10, 1),
        due_on=date(2026, 12, 1),
    )
    CheckIn.objects.create(commitment=commitment, at=NOW, percent_done=40, by=owner)
    alert = Alert.objects.create(key="test:1", kind="clock_warning", subject="At risk", opened_at=NOW)
    NotificationDelivery.objects.create(alert=alert, channel="email", target="owner@example.com")
    Integration.objects.create(kind="jira", name="Jira", slug="jira")
    ClosureDate.objects.create(calendar=sla["office"], date=date(2026, 12, 25), name="Christmas")
    _feedback(service, unit, owner, ticket)
    _reviews(service, unit, owner)
    return {**sla, "ticket": ticket, "measure": measure, "alert": alert}


def _catalogue(service, unit, owner) -> None:
    ServiceMark.objects.create(business_unit=unit, service=service, marked_at=NOW)
    request = MissingServiceRequest.objects.create(
        business_unit=unit, title="Expenses spreadsheet", annual_cost=Decimal("1200"), requested_at=NOW
    )
    MissingServiceRequestEvent.objects.create(request=request, kind="edited", at=NOW)
    AlignmentSnapshot.objects.create(
        business_unit=unit,
        day=NOW.date(),
        agreed=1,
        it_only=0,
        unit_only=1,
        open_requests=1,
        share=0.5,
        recorded_at=NOW,
    )
    cost = ServiceCost.objects.create(service=service)
    CostDriver.objects.create(service_cost=cost, name="Licences", amount=Decimal("31000"), quantity=Decimal("310"))
    ServiceDependency.objects.create(service=service, depends_on=f.ServiceFactory(name="Directory", slug="directory"))
    api_token_issue(user=owner, name="reader", scopes=["read"])


def _feedback(service, unit, owner, ticket) -> None:
    expires = NOW + 14 * 24 * H
    Invitation.objects.create(
        kind="event",
        service=service,
        ticket=ticket,
        email="ann@example.com",
        nonce="n1",
        send_after=NOW,
        expires_at=expires,
    )
    Invitation.objects.create(
        kind="relationship",
        service=service,
        business_unit=unit,
        period_start=date(2026, 10, 1),
        email="bob@example.com",
        nonce="n2",
        send_after=NOW,
        expires_at=expires,
    )
    response = Response.objects.create(service=service, csat=2, nps=3, ces=2, submitted_at=NOW)
    theme = Theme.objects.create(name="Constraint test theme", slug="constraint-test-theme", phrases="slow")
    ThemeMatch.objects.create(response=response, theme=theme, phrase="slow")
    SurveySettings.objects.create(service=service)
    FollowUp.objects.create(response=response, service=service, owner=owner, due_at=NOW)
    SelfAssessment.objects.create(service=service, period_start=date(2026, 10, 1), ratings={"pace": 3}, by=owner)


def _reviews(service, unit, owner) -> None:
    month = date(2026, 10, 1)
    review = Review.objects.create(service=service, period="month", period_start=month)
    Review.objects.create(business_unit=unit, period="month", period_start=month)
    ReviewAction.objects.create(
        review=review, text="Publish the payroll calendar.", owner=owner, due_on=date(2026, 11, 30), created_by=owner
    )
    ReviewEmail.objects.create(review=review, email="owner@example.com", claimed_at=NOW)
