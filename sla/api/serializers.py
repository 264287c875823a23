"""API shapes of the SLA engine: ticket events in; tickets, clocks and alerts out."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from catalog.api.serializers import RefSerializer
from sla.clocks import EVENT_KINDS
from sla.models import Alert, Ticket
from sla.selectors import clock_live


class AwareDateTimeField(serializers.DateTimeField):
    """An instant: ISO 8601 with an offset. A time without one is refused, never guessed."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed, but no such day or time (2026-02-30)
                raise serializers.ValidationError(
                    f"{value.strip()} is not a date and time on the calendar; check the day and month."
                ) from None
            if parsed is not None and timezone.is_naive(parsed):
                raise serializers.ValidationError(
                    "Give the time with a time zone or UTC offset, e.g. 2026-11-02T09:00:00Z."
                )
        return super().to_internal_value(value)


class TicketEventSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=40)
    external_id = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EVENT_KINDS)
    occurred_at = AwareDateTimeField(help_text="ISO 8601 with a UTC offset, e.g. 2026-11-02T09:00:00Z.")
    idempotency_key = serializers.CharField(max_length=200)
    service = serializers.SlugField(required=False, help_text="Service slug; needed to open a ticket.")
    business_unit = serializers.SlugField(required=False, allow_null=True)
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    impact = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)
    urgency = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    requester = serializers.CharField(required=False, allow_blank=True, max_length=200)
    requester_email = serializers.EmailField(required=False, allow_blank=True)
    assignee = serializers.CharField(required=False, allow_blank=True, max_length=200)
    assignee_email = serializers.EmailField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


# For catalog.api.batch_rows: an instant AwareDateTimeField accepts (one with an offset) it
# reads exactly as DRF's DateTimeField does; it only refuses more.
TICKET_EVENT_FAST_AS = {"occurred_at": serializers.DateTimeField}


class IngestResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Events stored.")
    duplicates = serializers.IntegerField(help_text="Events already known by their idempotency key: no change.")
    tickets_created = serializers.IntegerField()
    held = serializers.IntegerField(
        help_text="Events stored for tickets whose 'opened' event has not arrived yet: they count once it has."
    )
    ticket_ids = serializers.ListField(child=serializers.IntegerField())


class AcceptResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Events stored; their tickets are derived on a worker within seconds.")
    duplicates = serializers.IntegerField(help_text="Events already known by their idempotency key: no change.")
    tickets = serializers.IntegerField(help_text="Tickets the stored events belong to.")


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField(source="clock.kind")
    cycle = serializers.IntegerField(source="clock.cycle")
    priority = serializers.IntegerField(source="clock.priority")
    calendar = serializers.CharField(source="clock.calendar.name")
    target_seconds = serializers.IntegerField(source="clock.target_seconds")
    started_at = serializers.DateTimeField(source="clock.started_at")
    stopped_at = serializers.DateTimeField(source="clock.stopped_at", allow_null=True)
    due_at = serializers.DateTimeField(source="clock.due_at", allow_null=True)
    state = serializers.CharField()
    elapsed_seconds = serializers.SerializerMethodField()
    remaining_seconds = serializers.SerializerMethodField()
    share_used = serializers.SerializerMethodField()

    def get_elapsed_seconds(self, live) -> int:
        return int(live.elapsed.total_seconds())

    def get_remaining_seconds(self, live) -> int:
        return int(live.remaining.total_seconds())

    def get_share_used(self, live) -> float:
        return round(live.share_used, 4)


class TicketSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="ticket-detail")
    service = RefSerializer()
    business_unit = RefSerializer(allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "url",
            "source",
            "external_id",
            "service",
            "business_unit",
            "agreement",
            "priority",
            "impact",
            "urgency",
            "title",
            "requester",
            "assignee",
            "state",
            "opened_at",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]


class TicketDetailSerializer(TicketSerializer):
    clocks = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "clocks"]

    def get_clocks(self, ticket) -> list[dict]:
        now = self.context.get("now") or timezone.now()
        return ClockSerializer([clock_live(c, now=now) for c in ticket.clocks.all()], many=True).data


class AlertSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="alert-detail")
    service = RefSerializer(allow_null=True)
    ticket = serializers.HyperlinkedRelatedField(view_name="ticket-detail", read_only=True, allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.get_username", allow_null=True, default=None)
    owner = serializers.CharField(
        source="owner.get_username",
        allow_null=True,
        default=None,
        help_text="Who carries the alert's subject (the ticket's assignee, the commitment's or the follow-up's "
        "owner), when that is an Accord user: they see it and may acknowledge it.",
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "url",
            "key",
            "kind",
            "severity",
            "state",
            "subject",
            "body",
            "service",
            "ticket",
            "owner",
            "due_at",
            "details",
            "opened_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
        ]
