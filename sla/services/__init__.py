"""Writes of the sla app, by subject: calendars, tickets (ingestion and clocks), checks."""

from sla.services.alerts import alert_acknowledge
from sla.services.calendars import calendar_create, calendar_create_standard, calendar_working_hours_set
from sla.services.checks import clocks_check_due
from sla.services.clock_sync import tickets_sync
from sla.services.commitment_alerts import agreement_reviews_check, commitments_check
from sla.services.commitments import (
    check_in_record,
    commitment_create,
    commitment_deliver,
    commitment_renegotiate,
    commitment_update,
    commitment_withdraw,
)
from sla.services.evaluation import EvaluationResult, measures_evaluate
from sla.services.measurement_corrections import measurement_correct, measurement_remove
from sla.services.measurements import MeasurementInput, RecordResult, measurements_record
from sla.services.recompute import tickets_recompute
from sla.services.tickets import IngestResult, ticket_events_ingest

__all__ = [
    "EvaluationResult",
    "IngestResult",
    "MeasurementInput",
    "RecordResult",
    "agreement_reviews_check",
    "alert_acknowledge",
    "calendar_create",
    "calendar_create_standard",
    "calendar_working_hours_set",
    "check_in_record",
    "clocks_check_due",
    "commitment_create",
    "commitment_deliver",
    "commitment_renegotiate",
    "commitment_update",
    "commitment_withdraw",
    "commitments_check",
    "measurement_correct",
    "measurement_remove",
    "measurements_record",
    "measures_evaluate",
    "ticket_events_ingest",
    "tickets_recompute",
    "tickets_sync",
]
