"""Tickets from the tools IT already uses, what the tools told of them, their event log, and the
clocks derived from it.

What the tools sent is the truth: every delivery is kept as a `TicketObservation` (the ticket
as seen at one instant). The event log (`TicketEvent`) is derived from the observations in
time order by sla.transitions.derive_transitions and re-derived whenever one lands in the
past; `Clock` rows are derived from the events by sla.clocks.derive_clocks. Both can always be
rebuilt (`manage.py recompute_clocks`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sla import clocks as c


class TicketState(models.TextChoices):
    OPEN = "open", "Open"
    PAUSED = "paused", "Waiting on customer or vendor"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_TICKET_STATES = (TicketState.OPEN, TicketState.PAUSED)


class Ticket(models.Model):
    """One ticket, identified by the tool it lives in and its id there."""

    source = models.CharField(max_length=40, help_text="The tool: jira, servicenow, zendesk, api, …")
    external_id = models.CharField(max_length=200, help_text="The ticket's id in its tool.")
    # No index of its own: (service, state) and (service, opened_at) lead with it.
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="tickets", db_index=False)
    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    agreement = models.ForeignKey(
        "catalog.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="The agreement whose targets the clocks count against.",
    )
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    requester = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    assignee = models.CharField(max_length=200, blank=True)
    assignee_email = models.EmailField(blank=True)
    state = models.CharField(max_length=12, choices=TicketState.choices, default=TicketState.OPEN)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="ticket_source_external_id_unique"),
            models.CheckConstraint(
                condition=Q(priority__isnull=True) | Q(priority__gte=1, priority__lte=5), name="ticket_priority_1_5"
            ),
            models.CheckConstraint(condition=Q(state__in=TicketState.values), name="ticket_state_known"),
        ]
        indexes = [
            models.Index(fields=["service", "state"]),
            models.Index(fields=["service", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"

    @property
    def priority_label(self) -> str:
        return f"P{self.priority}" if self.priority else "–"


class ObservationOrigin(models.TextChoices):
    EVENT = "event", "Event (REST API, CSV import)"
    JIRA = "jira", "Jira webhook"
    SERVICENOW = "servicenow", "ServiceNow record"
    ZENDESK = "zendesk", "Zendesk webhook"


class TicketObservation(models.Model):
    """One delivery about one ticket, kept as sent: an explicit event (`origin` "event") or a
    tool's snapshot of the ticket (its raw payload) at `observed_at`.

    Keyed by the ticket's tool and id rather than by a Ticket row: an observation that comes
    before the ticket's opening is kept, and counts once the opening arrives."""

    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)
    # Indexed only where set (ticket_observation_attached): an observation stored before its
    # ticket is derived (every one a large batch accepts for a new ticket) has none, and
    # writes no index entry for it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="observations", db_index=False
    )
    key = models.CharField(max_length=200, help_text="The delivery's idempotency key: the same key twice is one.")
    origin = models.CharField(max_length=12, choices=ObservationOrigin.choices)
    observed_at = models.DateTimeField()
    rank = models.SmallIntegerField(default=0, help_text="Orders observations of one instant (openings first).")
    # An explicit event's source, external_id and idempotency key are this row's columns, not
    # repeated in its content (sla.transitions.content_stored / content_read).
    content = models.JSONField(help_text="The event's fields, or the tool's payload and delivery headers.")
    received_at = models.DateTimeField(auto_now_add=True)
    # A large REST batch is stored and answered at once; its tickets are derived on a worker
    # (sla.services.ticket_derivation). Until then its observations are pending.
    pending = models.BooleanField(
        default=False, db_default=False, help_text="Stored, not yet derived into its ticket (a worker does it)."
    )
    failure = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="Why its derivation on a worker refused it (then it does not count; its key stays taken).",
    )

    class Meta:
        ordering = ["observed_at", "rank", "key"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id", "key"], name="ticket_observation_key_unique"),
        ]
        # A ticket's observations are read through the unique key (source, external_id, …).
        # The pending and failed ones (few) through partial indexes: the sweep and /metrics.
        # By ticket, only deleting a ticket reads them (the cascade, and the foreign key's check
        # of each deleted ticket): those with a ticket, through ticket_observation_attached.
        indexes = [
            models.Index(fields=["ticket"], name="ticket_observation_attached", condition=Q(ticket__isnull=False)),
            models.Index(fields=["received_at"], name="ticket_observation_pending", condition=Q(pending=True)),
            models.Index(fields=["received_at"], name="ticket_observation_failed", condition=~Q(failure="")),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.origin} at {self.observed_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """One thing that happened to a ticket, derived from its observations. Placed by
    `occurred_at`, then `sequence` (the derivation's order), never by arrival."""

    Kind = models.TextChoices("Kind", [(k.upper(), (k, k.replace("_", " ").capitalize())) for k in c.EVENT_KINDS])

    # No index of its own: (ticket, idempotency_key) and (ticket, occurred_at) lead with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=200)
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    impact = models.PositiveSmallIntegerField(null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(null=True, blank=True)
    assignee = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Position in the ticket's derived history.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "idempotency_key"], name="ticket_event_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["ticket", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.ticket} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ClockKind(models.TextChoices):
    ENGAGE = c.ENGAGE, "Time to engage"
    UPDATE = c.UPDATE, "Update interval"
    RESOLVE = c.RESOLVE, "Time to resolve"


class ClockState(models.TextChoices):
    RUNNING = c.RUNNING, "Running"
    PAUSED = c.PAUSED, "Paused"
    MET = c.MET, "Met"
    BREACHED = c.BREACHED, "Breached"
    CANCELLED = c.CANCELLED, "Cancelled"


class Clock(models.Model):
    """One SLA clock of a ticket as last derived from its events (`computed_at`).

    `next_check_at` is when the check pass must look at it again (the next warning share or
    the deadline); it is NULL when nothing can happen without a new event.
    """

    # No index of its own: the unique (ticket, kind, cycle) leads with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks", db_index=False)
    kind = models.CharField(max_length=10, choices=ClockKind.choices)
    cycle = models.PositiveIntegerField(default=1, help_text="Update clocks run in cycles, one per update.")
    priority = models.PositiveSmallIntegerField()
    calendar = models.ForeignKey("sla.Calendar", on_delete=models.PROTECT, related_name="+")
    target_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0, help_text="Business seconds used, as of computed_at.")
    state = models.CharField(max_length=10, choices=ClockState.choices)
    warning_shares = models.JSONField(default=list, help_text="[[share, instant or null], …]")
    breached_at = models.DateTimeField(null=True, blank=True)
    counting = models.BooleanField(default=False, help_text="Using up time at computed_at (not paused or stopped).")
    last_warned_share = models.FloatField(default=0, help_text="The highest warning share already alerted.")
    computed_at = models.DateTimeField()
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "kind", "cycle"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "cycle"], name="clock_ticket_kind_cycle_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ClockKind.values, state__in=ClockState.values), name="clock_choices_known"
            ),
        ]
        indexes = [
            # The check pass reads only clocks that are due: its cost follows them, not all clocks.
            models.Index(fields=["next_check_at"], name="clock_next_check", condition=Q(next_check_at__isnull=False)),
            models.Index(fields=["state", "due_at"], name="clock_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} {self.kind}#{self.cycle} {self.state}"
