"""API of urgency targets: their shapes (each duration out as ISO 8601, seconds and words;
in as seconds or ISO 8601; calendars by slug) and the endpoints under an agreement version:

    GET    /api/v1/agreements/{id}/targets/        the version's targets, by priority
    PUT    /api/v1/agreements/{id}/targets/        a draft's whole set (a list; all or nothing;
                                                   priorities left out are removed)
    GET    /api/v1/agreements/{id}/targets/{p}/    one priority's target (404 if none)
    PUT    /api/v1/agreements/{id}/targets/{p}/    create or replace it (201 when created)
    PATCH  /api/v1/agreements/{id}/targets/{p}/    change some of its values
    DELETE /api/v1/agreements/{id}/targets/{p}/    remove it (204)

Writes: the service's owner and admins (403 otherwise), on a draft only (400 naming why).
Rules live in catalog.services.targets; this module only parses and shapes."""

from datetime import timedelta

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import services
from catalog.api.fields import BoundedDurationField, DurationField, ServiceCheckedIntegerField
from catalog.api.version_sets import item_at_address, parse_whole_set, require_change
from catalog.durations import duration_human
from catalog.models import Agreement, Priority, UrgencyTarget
from catalog.services.targets import LONGEST_TARGET, TARGET_FIELDS
from sla.models import Calendar


class CalendarRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


_DURATION_SCHEMA = {
    "oneOf": [
        {"type": "integer", "minimum": 1, "description": "seconds"},
        {"type": "string", "example": "PT4H", "description": "ISO 8601 duration (weeks, days, hours, minutes)"},
    ]
}


@extend_schema_field(_DURATION_SCHEMA)
class BusinessDurationField(DurationField):
    """A duration in business time: seconds or an ISO 8601 duration in, ISO 8601 out."""


@extend_schema_field({"oneOf": [{"type": "string", "example": "uk-office-hours"}, {"type": "object"}]})
class CalendarRefField(serializers.Field):
    """A calendar by slug ("24x7"), or as the object the API shows ({"slug": "24x7", ...})."""

    def to_internal_value(self, data) -> Calendar:
        slug = data.get("slug") if isinstance(data, dict) else data
        if not isinstance(slug, str) or not slug:
            raise serializers.ValidationError(
                "Give the slug of a calendar, or null for the service's support calendar."
            )
        calendar = Calendar.objects.filter(slug=slug).first()
        if calendar is None:
            raise serializers.ValidationError(f"There is no calendar “{slug}”.")
        return calendar

    def to_representation(self, value) -> dict:
        return {"slug": value.slug, "name": value.name}


class UrgencyTargetSerializer(serializers.ModelSerializer):
    """What a version promises for one priority. Durations are business time on the
    effective calendar: the target's own, else the service's support calendar."""

    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    engage_within = BusinessDurationField(read_only=True)
    engage_within_seconds = serializers.SerializerMethodField()
    engage_within_human = serializers.SerializerMethodField()
    update_every = BusinessDurationField(read_only=True, allow_null=True)
    update_every_seconds = serializers.SerializerMethodField()
    update_every_human = serializers.SerializerMethodField()
    resolve_within = BusinessDurationField(read_only=True)
    resolve_within_seconds = serializers.SerializerMethodField()
    resolve_within_human = serializers.SerializerMethodField()
    calendar = CalendarRefSerializer(read_only=True, allow_null=True)
    effective_calendar = serializers.SerializerMethodField()
    objective_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    warning_shares = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = UrgencyTarget
        fields = [
            "priority",
            "priority_label",
            "engage_within",
            "engage_within_seconds",
            "engage_within_human",
            "update_every",
            "update_every_seconds",
            "update_every_human",
            "resolve_within",
            "resolve_within_seconds",
            "resolve_within_human",
            "calendar",
            "effective_calendar",
            "objective_percent",
            "warning_shares",
        ]

    def get_engage_within_seconds(self, target) -> int:
        return int(target.engage_within.total_seconds())

    def get_engage_within_human(self, target) -> str:
        return duration_human(target.engage_within)

    def get_update_every_seconds(self, target) -> int | None:
        return int(target.update_every.total_seconds()) if target.update_every is not None else None

    def get_update_every_human(self, target) -> str | None:
        return duration_human(target.update_every) if target.update_every is not None else None

    def get_resolve_within_seconds(self, target) -> int:
        return int(target.resolve_within.total_seconds())

    def get_resolve_within_human(self, target) -> str:
        return duration_human(target.resolve_within)

    @extend_schema_field(CalendarRefSerializer(allow_null=True))
    def get_effective_calendar(self, target) -> dict | None:
        calendar = target.calendar or target.agreement.service.support_calendar
        return {"slug": calendar.slug, "name": calendar.name} if calendar else None


_TARGET_BOUNDS = {"min_value": timedelta(seconds=1), "max_value": LONGEST_TARGET}


class UrgencyTargetInputSerializer(serializers.Serializer):
    """One priority's target. Durations: seconds or ISO 8601 ("PT30M", "PT4H", "P2D")."""

    priority = ServiceCheckedIntegerField(min_value=1, max_value=5, help_text="1 (P1) to 5 (P5).")
    engage_within = BoundedDurationField(**_TARGET_BOUNDS, help_text="First response or assignment to an owner.")
    update_every = BoundedDurationField(
        **_TARGET_BOUNDS,
        required=False,
        allow_null=True,
        help_text="Update the customer at least this often while open. Null: none.",
    )
    resolve_within = BoundedDurationField(**_TARGET_BOUNDS)
    calendar = CalendarRefField(
        required=False, allow_null=True, help_text="Slug of the calendar to count in; null: the support calendar."
    )
    objective_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Share within target per calendar month (95)."
    )
    warning_shares = serializers.ListField(
        child=ServiceCheckedIntegerField(min_value=1, max_value=99),
        required=False,
        max_length=99,  # strictly increasing, 1 to 99
        help_text="Percentages of the allowed time ([50, 75]).",
    )


class UrgencyTargetPriorityInputSerializer(UrgencyTargetInputSerializer):
    """The target of the priority in the address: `priority` may be left out."""

    priority = ServiceCheckedIntegerField(
        min_value=1, max_value=5, required=False, help_text="Leave out, or the priority in the address."
    )


# --- Endpoints ------------------------------------------------------------------------

TARGETS_PREFETCH = Prefetch("urgency_targets", queryset=UrgencyTarget.objects.select_related("calendar"))
_PRIORITY = OpenApiParameter(
    "priority", int, OpenApiParameter.PATH, description="1 (P1) to 5 (P5)", enum=[1, 2, 3, 4, 5]
)
_WRITE_REFUSED = "Only the service's owner and admins may change its urgency targets."


# The targets endpoints of AgreementViewSet, which gives get_object (scoped to the user). No
# docstring: the API schema would take it as the description of every agreement endpoint.
class AgreementTargetsMixin:
    @extend_schema(
        methods=["GET"], summary="The urgency targets of a version", responses=UrgencyTargetSerializer(many=True)
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace a draft's urgency targets: the whole set, all or nothing (priorities left out are removed)",
        operation_id="v1_agreements_targets_replace",
        request=UrgencyTargetInputSerializer(many=True),
        responses=UrgencyTargetSerializer(many=True),
    )
    @action(detail=True, methods=["get", "put"], url_path="targets", pagination_class=None)  # a plain list
    def targets(self, request, pk=None):
        if request.method == "GET":  # the agreement in the user's scope and its targets: one query
            from catalog.api.target_rows import agreement_targets  # (it imports this module's serializer)

            rows = agreement_targets(self.get_queryset(), pk=self.kwargs["pk"])
            if rows is None:
                raise Http404
            return Response(rows)
        agreement = self.get_object()
        require_change(request, agreement, refused=_WRITE_REFUSED)
        services.urgency_targets_replace(agreement=agreement, targets=_parse_target_list(request.data))
        return Response(_targets_data(agreement))

    @extend_schema(
        methods=["GET"], summary="One priority's target", parameters=[_PRIORITY], responses=UrgencyTargetSerializer
    )
    @extend_schema(
        methods=["PUT"],
        summary="Create or replace one priority's target on a draft",
        operation_id="v1_agreements_target_set",
        parameters=[_PRIORITY],
        request=UrgencyTargetPriorityInputSerializer,
        responses={200: UrgencyTargetSerializer, 201: UrgencyTargetSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change some values of one priority's target on a draft",
        parameters=[_PRIORITY],
        request=UrgencyTargetPriorityInputSerializer,
        responses=UrgencyTargetSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="Remove one priority's target from a draft", parameters=[_PRIORITY])
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path=r"targets/(?P<priority>[1-5])",
        pagination_class=None,
    )
    def target(self, request, pk=None, priority=None):
        agreement = self.get_object()
        priority = int(priority)
        current = agreement.urgency_targets.select_related("calendar").filter(priority=priority).first()
        return item_at_address(
            request,
            agreement,
            current,
            address=("priority", priority),
            missing=f"Version {agreement.version} has no target for P{priority}.",
            mismatch=f"This address is for P{priority}; leave priority out or give {priority}.",
            refused=_WRITE_REFUSED,
            shown=UrgencyTargetSerializer,
            given=UrgencyTargetPriorityInputSerializer,
            start_from=lambda changing: {name: getattr(current, name) for name in TARGET_FIELDS},
            remove=lambda: services.urgency_target_remove(agreement=agreement, priority=priority),
            save=lambda values: services.urgency_target_set(agreement=agreement, priority=priority, **values),
        )


def _parse_target_list(data) -> list[dict]:
    return parse_whole_set(
        data,
        UrgencyTargetInputSerializer,
        noun="target",
        not_a_list="Send a list of targets, one per priority (an empty list removes them all).",
        most=len(Priority.values),
    )


def _targets_data(agreement: Agreement) -> list:
    targets = agreement.urgency_targets.select_related("calendar").order_by("priority")
    return UrgencyTargetSerializer(targets, many=True).data
