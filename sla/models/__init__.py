"""Checking promises against outcomes: calendars, tickets and their clocks, measurements and
their evaluations, commitments, alerts and their notifications, integrations."""

from sla.models.alerts import Alert, AlertKind, AlertSeverity, AlertState
from sla.models.calendars import Calendar, ClosureDate, Weekday, WorkingInterval
from sla.models.commitments import CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.models.integrations import Integration, IntegrationKind
from sla.models.measurements import (
    MeasureEvaluation,
    Measurement,
    MeasurementCorrection,
    MeasurementSource,
    MeasureStatus,
)
from sla.models.notifications import (
    DeliveryChannel,
    DeliveryStatus,
    NotificationDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from sla.models.tickets import (
    ACTIVE_TICKET_STATES,
    Clock,
    ClockKind,
    ClockState,
    ObservationOrigin,
    Ticket,
    TicketEvent,
    TicketObservation,
    TicketState,
)

__all__ = [
    "ACTIVE_TICKET_STATES",
    "Alert",
    "AlertKind",
    "AlertSeverity",
    "AlertState",
    "Calendar",
    "CheckIn",
    "Clock",
    "ClockKind",
    "ClockState",
    "ClosureDate",
    "Commitment",
    "CommitmentOutcome",
    "DeliveryChannel",
    "DeliveryStatus",
    "Integration",
    "IntegrationKind",
    "MeasureEvaluation",
    "MeasureStatus",
    "Measurement",
    "MeasurementCorrection",
    "MeasurementSource",
    "NotificationDelivery",
    "ObservationOrigin",
    "Renegotiation",
    "Ticket",
    "TicketEvent",
    "TicketObservation",
    "TicketState",
    "WebhookEndpoint",
    "WebhookFormat",
    "Weekday",
    "WorkingInterval",
]
