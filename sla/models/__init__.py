"""Checking promises against outcomes: calendars, tickets and their clocks, alerts."""

from sla.models.alerts import Alert, AlertKind, AlertSeverity, AlertState
from sla.models.calendars import Calendar, ClosureDate, Weekday, WorkingInterval
from sla.models.integrations import Integration, IntegrationKind
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
    Ticket,
    TicketEvent,
    TicketState,
)

__all__ = [
    "ACTIVE_TICKET_STATES",
    "Alert",
    "AlertKind",
    "AlertSeverity",
    "AlertState",
    "Calendar",
    "Clock",
    "ClockKind",
    "ClockState",
    "ClosureDate",
    "Ticket",
    "TicketEvent",
    "TicketState",
    "Weekday",
    "WorkingInterval",
]
__all__ += ["DeliveryChannel", "DeliveryStatus", "NotificationDelivery", "WebhookEndpoint", "WebhookFormat"]
__all__ += ["Integration", "IntegrationKind"]
