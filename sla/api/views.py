"""SLA endpoints: ticket events in, tickets with their clocks and alerts out. Thin: parse,
check rights (catalog/rules.py), call sla.services / sla.selectors."""

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_filters.rest_framework import BooleanFilter
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.batch_rows import BatchRowParser
from catalog.api.routing import ID_PATTERN
from catalog.api.value_rows import ValuesListMixin
from catalog.models import ApiScope, Service
from config.ops.collector import cycle_collector_paused
from sla import alert_selectors, selectors
from sla.api import list_rows
from sla.api import serializers as s
from sla.events import event_from_values
from sla.models import Alert, AlertKind, AlertState, Clock, ClockState, Ticket, TicketState
from sla.services import alert_acknowledge, ticket_events_ingest
from sla.services.ticket_accept import ticket_events_accept

MAX_EVENTS = 1000


class TicketEventsView(APIView):
    """Ticket events from any tool: one object, or a list of up to 1,000 stored all-or-nothing.
    A list longer than SLA_TICKET_EVENTS_INLINE_MAX is checked and stored, answered 202, and its
    tickets derived on a worker (sla.services.ticket_accept); shorter ones are derived here."""

    api_key_scope = ApiScope.INGEST  # docs/api.md: scopes

    @extend_schema(
        summary="Send ticket events (one, or a list of up to 1,000)",
        description=(
            "A list of up to SLA_TICKET_EVENTS_INLINE_MAX events (100 by default), or one event, is stored and "
            "its tickets derived before the answer: 201 (200 when every event was known already) with the "
            "tickets. A longer list is checked the same way (the same 400s) and stored, and answered 202 at once: "
            "its tickets, events and clocks are derived on a worker within seconds."
        ),
        request=s.TicketEventSerializer(many=True),
        responses={
            201: s.IngestResultSerializer,
            200: s.IngestResultSerializer,
            202: OpenApiResponse(s.AcceptResultSerializer, description="Stored; the tickets are derived on a worker."),
        },
        examples=[
            OpenApiExample(
                "Open a ticket",
                value={
                    "source": "servicedesk",
                    "external_id": "INC0012345",
                    "kind": "opened",
                    "occurred_at": "2026-11-02T09:00:00Z",
                    "idempotency_key": "INC0012345:opened",
                    "service": "payroll",
                    "business_unit": "finance",
                    "impact": 1,
                    "urgency": 2,
                    "title": "Payslips not generated",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        with cycle_collector_paused():
            return self._post(request)

    def _post(self, request):
        many = isinstance(request.data, list)
        items = request.data if many else [request.data]
        if many and len(items) > MAX_EVENTS:
            raise ValidationError({"events": [f"Send at most {MAX_EVENTS:,} events per request, not {len(items):,}."]})
        if not items:
            raise ValidationError({"events": ["Send at least one event."]})
        events, errors = [], {}
        # Plainly valid rows skip DRF's field-by-field machinery; the others get its messages.
        parser = BatchRowParser(s.TicketEventSerializer(), fast_as=s.TICKET_EVENT_FAST_AS)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors[f"events[{index}]" if many else "non_field_errors"] = ["Each event must be a JSON object."]
                continue
            try:
                events.append(event_from_values(parser.parse(item)))
            except ValidationError as error:
                for field, messages in error.detail.items():
                    errors[f"events[{index}].{field}" if many else field] = messages
        if errors:
            raise ValidationError(errors)
        self._check_rights(request.user, events)
        if many and len(events) > settings.SLA_TICKET_EVENTS_INLINE_MAX:
            try:
                accepted = ticket_events_accept(events=events)
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from error
            return Response(s.AcceptResultSerializer(accepted).data, status=status.HTTP_202_ACCEPTED)
        try:
            result = ticket_events_ingest(events=events, many=many)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.IngestResultSerializer(result).data, status=code)

    def _check_rights(self, user, events) -> None:
        if user.has_perm("sla.send_ticket_events"):
            return  # admins and integrations: any service (catalog/rules.py), nothing to read
        slugs = {e.service for e in events if e.service}
        services = list(Service.objects.filter(slug__in=slugs))
        unnamed: dict[str, set[str]] = {}
        for e in events:
            if not e.service:
                unnamed.setdefault(e.source, set()).add(e.external_id)
        if unnamed:
            query = Q()
            for source, external_ids in unnamed.items():
                query |= Q(source=source, external_id__in=external_ids)
            ticket_services = Ticket.objects.filter(query).values("service_id")
            services += list(Service.objects.filter(pk__in=ticket_services).exclude(slug__in=slugs))
        for service in services:
            if not user.has_perm("sla.send_ticket_events", service):
                raise PermissionDenied(f"You may not send ticket events for {service.name}.")
        if unnamed and not user.has_perm("sla.send_ticket_events"):
            # An event for a ticket Accord does not know yet waits for its opening: only the
            # tools themselves (integrations) and admins may send those.
            known = set(Ticket.objects.filter(query).values_list("source", "external_id"))
            waiting = {(s, e) for s, ids in unnamed.items() for e in ids} - known
            if waiting:
                source, external_id = sorted(waiting)[0]
                raise PermissionDenied(
                    f"Ticket {source}:{external_id} is not known yet; name its service, or send its 'opened' event "
                    "first."
                )


class TicketFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    business_unit = django_filters.CharFilter(field_name="business_unit__slug", label="Business unit slug")
    priority = django_filters.MultipleChoiceFilter(choices=[(p, f"P{p}") for p in range(1, 6)])
    state = django_filters.MultipleChoiceFilter(choices=TicketState.choices)
    source = django_filters.CharFilter()
    breached = django_filters.BooleanFilter(method="filter_breached", label="Has a breached clock")
    at_risk = django_filters.BooleanFilter(method="filter_at_risk", label="Open, with a clock warned or breached")

    class Meta:
        model = Ticket
        fields = ["service", "business_unit", "priority", "state", "source", "breached", "at_risk"]

    def filter_breached(self, queryset, name, value):
        breached = Exists(Clock.objects.filter(ticket=OuterRef("pk"), state=ClockState.BREACHED))
        return queryset.filter(breached if value else ~breached)

    def filter_at_risk(self, queryset, name, value):
        at_risk = selectors.tickets_at_risk(user=self.request.user, now=timezone.now())
        return queryset.filter(pk__in=at_risk.values("pk")) if value else queryset.exclude(pk__in=at_risk.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="Tickets you may see"),
    retrieve=extend_schema(summary="A ticket with its SLA clocks", responses=s.TicketDetailSerializer),
)
class TicketViewSet(ValuesListMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN
    filterset_class = TicketFilter

    def get_queryset(self):
        queryset = selectors.ticket_list(user=self.request.user).order_by("-opened_at", "-pk")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("clocks__calendar")
        return queryset

    def get_serializer_class(self):
        return s.TicketDetailSerializer if self.action == "retrieve" else s.TicketSerializer

    def value_rows(self, queryset):
        return list_rows.ticket_values(queryset)

    def shape_rows(self, rows):
        return list_rows.ticket_rows(rows, request=self.request)

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to see tickets.")


class AlertFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    kind = django_filters.MultipleChoiceFilter(choices=AlertKind.choices)
    state = django_filters.MultipleChoiceFilter(choices=AlertState.choices)
    mine = BooleanFilter(
        method="filter_mine",
        label="Only the alerts for you to act on: those you own (as assignee, commitment or follow-up owner) "
        "and those of the services you own",
    )

    class Meta:
        model = Alert
        fields = ["service", "kind", "state", "mine"]

    def filter_mine(self, queryset, name, value):
        return alert_selectors.alerts_mine(queryset, user=self.request.user) if value else queryset


@extend_schema_view(list=extend_schema(summary="Alerts of the services you own, and the alerts you own"))
class AlertViewSet(ValuesListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return alert_selectors.alert_list(user=self.request.user).order_by("-opened_at", "-pk")

    def value_rows(self, queryset):
        return list_rows.alert_values(queryset)

    def shape_rows(self, rows):
        return list_rows.alert_rows(rows, request=self.request)

    def check_permissions(self, request):
        super().check_permissions(request)
        if not request.user.is_authenticated:
            self.permission_denied(request, message="Sign in to see alerts.")

    @extend_schema(
        summary="Acknowledge an open alert",
        request=None,
        responses=s.AlertSerializer,
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = self.get_object()
        if not request.user.has_perm("sla.acknowledge_alert", alert):
            raise PermissionDenied(
                "Only the service's owner, the person the alert is for (its owner) and admins may acknowledge it."
            )
        alert_acknowledge(alert=alert, actor=request.user)
        return Response(s.AlertSerializer(alert, context=self.get_serializer_context()).data)
