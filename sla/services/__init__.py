"""Writes of the sla app, by subject: calendars, tickets (ingestion and clocks), checks."""

from sla.services.calendars import calendar_create, calendar_create_standard, calendar_working_hours_set

__all__ = ["calendar_create", "calendar_create_standard", "calendar_working_hours_set"]
