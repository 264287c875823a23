"""Writes of the sla app, by subject: calendars, tickets (ingestion and clocks), checks."""

from sla.services.alerts import alert_acknowledge
from sla.services.calendars import calendar_create, calendar_create_standard, calendar_working_hours_set
from sla.services.checks import clocks_check_due
from sla.services.clock_sync import tickets_sync
from sla.services.measurements import MeasurementInput, RecordResult, measurements_record
from sla.services.recompute import tickets_recompute
from sla.services.tickets import IngestResult, ticket_events_ingest

__all__ = [
    "IngestResult",
    "MeasurementInput",
    "RecordResult",
    "alert_acknowledge",
    "calendar_create",
    "calendar_create_standard",
    "calendar_working_hours_set",
    "clocks_check_due",
    "measurements_record",
    "ticket_events_ingest",
    "tickets_recompute",
    "tickets_sync",
]
