"""Ticket ingestion from the tools IT already uses.

Each tool module (jira, servicenow, zendesk) is a pure translation from what the tool sends
to `sla.events.TicketEventInput`s; servicenow_csv does the same for an exported event log.
mappings holds the per-integration mappings (priorities, states, routing) with their defaults
and checks; signatures the HMAC checks; services and selectors the database side.
"""
