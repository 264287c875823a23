"""API of success measures: their shape (numbers as numbers, the time allowed as ISO 8601 and
seconds, the target in words) and the endpoints under an agreement version:

    GET    /api/v1/agreements/{id}/measures/         the version's measures, in order
    PUT    /api/v1/agreements/{id}/measures/         a draft's whole set (a list, in order; all
                                                     or nothing; keys left out are removed)
    GET    /api/v1/agreements/{id}/measures/{key}/   one measure (404 if none)
    PUT    /api/v1/agreements/{id}/measures/{key}/   create or replace it (201 when created)
    PATCH  /api/v1/agreements/{id}/measures/{key}/   change some of its values
    DELETE /api/v1/agreements/{id}/measures/{key}/   remove it (204)

Writes: the service's owner and admins (403 otherwise), on a draft only (400 naming why).
Rules live in catalog.services.measure_rules; this module only parses and shapes."""

from datetime import timedelta

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import measure_text, services
from catalog.api.fields import BoundedDurationField, ServiceCheckedIntegerField
from catalog.api.targets import BusinessDurationField
from catalog.api.version_sets import item_at_address, parse_whole_set, require_change
from catalog.durations import duration_human
from catalog.models import (
    Aggregation,
    Agreement,
    Comparison,
    Direction,
    FeedbackMetric,
    Measure,
    MeasurePeriod,
    MeasureSource,
    SuccessFactor,
    TicketMetric,
)
from catalog.services.measure_rules import LONGEST_WITHIN, MEASURE_INPUT_FIELDS, MOST_MEASURES, MOST_MIN_POINTS

KEY_FORMAT = "A key is letters, digits, hyphens or underscores, e.g. payslips-on-time."
_NUMBER = {"max_digits": 14, "decimal_places": 4, "coerce_to_string": False}
# The fields the API adds to a measure, each after the field it is worked out from.
_DERIVED_AFTER = {"factor": ("factor_label",), "ticket_within": ("ticket_within_seconds", "ticket_within_human")}


class MeasureSerializer(serializers.ModelSerializer):
    """One success measure of a version. `target_text` and `counted` say it in words."""

    factor_label = serializers.CharField(source="get_factor_display", read_only=True)
    target = serializers.DecimalField(**_NUMBER)
    warning_level = serializers.DecimalField(**_NUMBER, allow_null=True)
    valid_min = serializers.DecimalField(**_NUMBER, allow_null=True)
    valid_max = serializers.DecimalField(**_NUMBER, allow_null=True)
    condition_value = serializers.DecimalField(**_NUMBER, allow_null=True)
    ticket_within = BusinessDurationField(read_only=True, allow_null=True)
    ticket_within_seconds = serializers.SerializerMethodField()
    ticket_within_human = serializers.SerializerMethodField()
    target_text = serializers.SerializerMethodField(help_text='"at least 95% each month", "at most 4 hours each week".')
    counted = serializers.SerializerMethodField(help_text="How a period's value is worked out, in words.")

    class Meta:
        model = Measure
        fields = [
            *(name for field in MEASURE_INPUT_FIELDS for name in (field, *_DERIVED_AFTER.get(field, ()))),
            "position",
            "target_text",
            "counted",
        ]

    def get_ticket_within_seconds(self, measure) -> int | None:
        return int(measure.ticket_within.total_seconds()) if measure.ticket_within is not None else None

    def get_ticket_within_human(self, measure) -> str | None:
        return duration_human(measure.ticket_within) if measure.ticket_within is not None else None

    def get_target_text(self, measure) -> str:
        return measure_text.success_text(measure)

    def get_counted(self, measure) -> str:
        return measure_text.counted_text(measure)


def _choice(choices, help_text: str, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices.choices, required=False, allow_blank=True, allow_null=True, help_text=help_text, **kwargs
    )


def _number(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, help_text=help_text
    )


class MeasureInputSerializer(serializers.Serializer):
    """One measure. Left out or null: the default, or what the source implies (tickets and
    feedback measures imply their aggregation, unit and direction)."""

    key = serializers.SlugField(
        max_length=80,
        help_text="Stable across versions, e.g. payslips-on-time.",
        error_messages={"invalid": KEY_FORMAT},
    )
    name = serializers.CharField(max_length=160, help_text="In the business's words.")
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Required: why the measure matters to the business, in its own words (the context shown "
        "beside its value).",
    )
    factor = serializers.ChoiceField(choices=SuccessFactor.choices, help_text="The success factor it serves.")
    source = _choice(MeasureSource, "Where the data comes from (default: manual).")
    ticket_metric = _choice(TicketMetric, "Tickets measures: what to derive from the tickets.")
    ticket_priority = ServiceCheckedIntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text="Tickets measures: only this priority, 1-5 (null: all).",
    )
    ticket_within = BoundedDurationField(
        min_value=timedelta(seconds=1),
        max_value=LONGEST_WITHIN,
        required=False,
        allow_null=True,
        help_text="'Owner within' measures: the time allowed, elapsed (seconds or ISO 8601, e.g. PT30M).",
    )
    feedback_metric = _choice(FeedbackMetric, "Feedback measures: csat (%), nps (-100 to 100) or ces (1-7).")
    aggregation = _choice(Aggregation, "How a period's data points combine (default: mean).")
    condition = _choice(Comparison, "Percentage measures: the comparison a data point must meet.")
    condition_value = _number("Percentage measures: the value it is compared with.")
    unit = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, help_text="%, hours, days, points, …"
    )
    direction = _choice(Direction, "Whether higher or lower is better (default: higher).")
    target = serializers.DecimalField(max_digits=14, decimal_places=4, help_text="The value that counts as success.")
    warning_level = _number("At risk once past this level, on the safe side of the target.")
    valid_min = _number("Entered and pushed measures: the lowest value a data point may have.")
    valid_max = _number("Entered and pushed measures: the highest value a data point may have.")
    period = _choice(MeasurePeriod, "What it is measured over (default: month).")
    min_points = ServiceCheckedIntegerField(
        min_value=1,
        max_value=MOST_MIN_POINTS,
        required=False,
        allow_null=True,
        help_text="No verdict from fewer data points in a period (default: 5).",
    )


class MeasureKeyInputSerializer(MeasureInputSerializer):
    """The measure of the key in the address: `key` may be left out."""

    key = serializers.SlugField(
        max_length=80,
        required=False,
        help_text="Leave out, or the key in the address.",
        error_messages={"invalid": KEY_FORMAT},
    )


# --- Endpoints ------------------------------------------------------------------------

MEASURES_PREFETCH = Prefetch("measures", queryset=Measure.objects.order_by("position", "name"))
_KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The measure's key, e.g. payslips-on-time")
_WRITE_REFUSED = "Only the service's owner and admins may change its success measures."


# The measures endpoints of AgreementViewSet, which gives get_object (scoped to the user). No
# docstring: the API schema would take it as the description of every agreement endpoint.
class AgreementMeasuresMixin:
    @extend_schema(methods=["GET"], summary="The success measures of a version", responses=MeasureSerializer(many=True))
    @extend_schema(
        methods=["PUT"],
        summary="Replace a draft's success measures: the whole set, in order, all or nothing "
        "(keys left out are removed)",
        operation_id="v1_agreements_measures_replace",
        request=MeasureInputSerializer(many=True),
        responses=MeasureSerializer(many=True),
    )
    @action(detail=True, methods=["get", "put"], url_path="measures", pagination_class=None)  # a plain list
    def measures(self, request, pk=None):
        if request.method == "GET":  # the agreement in the user's scope and its measures: one query
            from catalog.api.measure_rows import agreement_measures  # (it imports this module's serializer)

            rows = agreement_measures(self.get_queryset(), pk=self.kwargs["pk"])
            if rows is None:
                raise Http404("No Agreement matches the given query.")  # get_object's words
            return Response(rows)
        agreement = self.get_object()
        if request.method == "PUT":
            require_change(request, agreement, refused=_WRITE_REFUSED)
            services.measures_replace(agreement=agreement, measures=_parse_measure_list(request.data))
        return Response(_measures_data(agreement))

    @extend_schema(methods=["GET"], summary="One success measure", parameters=[_KEY], responses=MeasureSerializer)
    @extend_schema(
        methods=["PUT"],
        summary="Create or replace one success measure on a draft",
        operation_id="v1_agreements_measure_set",
        parameters=[_KEY],
        request=MeasureKeyInputSerializer,
        responses={200: MeasureSerializer, 201: MeasureSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change some values of one success measure on a draft",
        parameters=[_KEY],
        request=MeasureKeyInputSerializer,
        responses=MeasureSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="Remove one success measure from a draft", parameters=[_KEY])
    @action(
        detail=True,
        methods=["get", "put", "patch", "delete"],
        url_path=r"measures/(?P<key>[-a-zA-Z0-9_]{1,80})",
        pagination_class=None,
    )
    def measure(self, request, pk=None, key=None):
        agreement = self.get_object()
        current = agreement.measures.filter(key=key).first()
        return item_at_address(
            request,
            agreement,
            current,
            address=("key", key),
            missing=f"Version {agreement.version} has no measure “{key}”.",
            mismatch=f"This address is for “{key}”; leave key out or give “{key}”.",
            refused=_WRITE_REFUSED,
            shown=MeasureSerializer,
            given=MeasureKeyInputSerializer,
            start_from=lambda changing: _current_values(current, changing=changing),
            remove=lambda: services.measure_remove(agreement=agreement, key=key),
            save=lambda values: services.measure_set(agreement=agreement, key=key, **values),
        )


def _current_values(measure: Measure, *, changing: dict) -> dict:
    """What a PATCH starts from. A measure moved from or to tickets or feedback, or to another
    of their metrics, leaves behind its aggregation, unit and direction unless they are given
    (the new metric implies its own)."""
    current = {name: getattr(measure, name) for name in services.MEASURE_FIELDS}
    derived = (MeasureSource.TICKETS, MeasureSource.FEEDBACK)
    involved = measure.source in derived or changing.get("source") in derived
    if involved and {"source", "ticket_metric", "feedback_metric"} & set(changing):
        current.update(aggregation=None, unit=None, direction=None)
    return current


def _parse_measure_list(data) -> list[dict]:
    return parse_whole_set(
        data,
        MeasureInputSerializer,
        noun="measure",
        not_a_list="Send a list of measures, in order (an empty list removes them all).",
        most=MOST_MEASURES,
    )


def _measures_data(agreement: Agreement) -> list:
    return MeasureSerializer(agreement.measures.order_by("position", "name"), many=True).data
