"""API representations of the catalogue. Output serializers only shape data; input
serializers only parse and type-check it. Rules live in catalog/services.py."""

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api import measures, targets
from catalog.api.fields import BoundedManyRelatedField
from catalog.markdown import render_markdown
from catalog.models import (
    AGREEMENT_TERMS,
    Agreement,
    BusinessUnit,
    Category,
    Criticality,
    Lifecycle,
    Service,
)
from sla.models import Calendar

User = get_user_model()


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class RefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


# --- Business units and categories ---------------------------------------------------


class BusinessUnitSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="businessunit-detail", lookup_field="slug")

    class Meta:
        model = BusinessUnit
        fields = ["url", "slug", "name", "description"]


class CategorySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="category-detail", lookup_field="slug")
    service_count = serializers.SerializerMethodField(help_text="Services not retired.")

    class Meta:
        model = Category
        fields = ["url", "slug", "name", "description", "position", "service_count"]

    def get_service_count(self, category) -> int:
        """The list's annotation; after a create or change (no annotation), counted."""
        counted = getattr(category, "service_count", None)
        if counted is None:
            counted = category.services.exclude(lifecycle=Lifecycle.RETIRED).count()
        return counted


# --- Services ------------------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="service-detail", lookup_field="slug")
    portal_url = serializers.CharField(source="get_absolute_url", read_only=True)
    category = RefSerializer()
    business_units = RefSerializer(many=True)
    service_owner = PersonSerializer()
    business_owner = PersonSerializer(allow_null=True)
    criticality_label = serializers.CharField(source="get_criticality_display")
    keywords = serializers.ListField(source="keyword_list", child=serializers.CharField())
    cost_drivers = serializers.ListField(
        source="cost_driver_list",
        child=serializers.CharField(),
        read_only=True,
        help_text="The names of its cost drivers; amounts and units at /api/v1/costs/services/{slug}/.",
    )
    support_calendar = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Slug of the calendar the service is supported in; urgency targets count in it unless "
        "they name another. Null: none.",
    )

    class Meta:
        model = Service
        fields = [
            "url",
            "portal_url",
            "slug",
            "name",
            "summary",
            "category",
            "lifecycle",
            "criticality",
            "criticality_label",
            "business_units",
            "service_owner",
            "business_owner",
            "annual_cost",
            "cost_drivers",
            "keywords",
            "support_calendar",
            "created_at",
            "updated_at",
        ]


class ServiceDetailSerializer(ServiceSerializer):
    description_html = serializers.SerializerMethodField()
    how_to_request_html = serializers.SerializerMethodField()
    depends_on = RefSerializer(many=True)
    dependents = RefSerializer(many=True)

    class Meta(ServiceSerializer.Meta):
        fields = [
            *ServiceSerializer.Meta.fields,
            "description",
            "description_html",
            "how_to_request",
            "how_to_request_html",
            "depends_on",
            "dependents",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_description_html(self, service) -> str:
        return render_markdown(service.description)

    @extend_schema_field(OpenApiTypes.STR)
    def get_how_to_request_html(self, service) -> str:
        return render_markdown(service.how_to_request)


_LIST_OR_TEXT = {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}


@extend_schema_field(_LIST_OR_TEXT)
class KeywordsField(serializers.Field):
    """Keywords as a list of words or one comma-separated string."""

    def to_internal_value(self, data) -> str:
        if isinstance(data, str):
            words = data.split(",")
        elif isinstance(data, list) and all(isinstance(w, str) for w in data):
            words = data
        else:
            raise serializers.ValidationError("Give keywords as a list of words or a comma-separated string.")
        return ", ".join(w.strip() for w in words if w.strip())

    def to_representation(self, value):
        return [k.strip() for k in value.split(",") if k.strip()]


@extend_schema_field(_LIST_OR_TEXT)
class CostDriversField(serializers.Field):
    """Cost drivers as a list of lines or one text."""

    def to_internal_value(self, data) -> str:
        if isinstance(data, str):
            return data.strip()
        if isinstance(data, list) and all(isinstance(d, str) for d in data):
            return "\n".join(d.strip() for d in data if d.strip())
        raise serializers.ValidationError("Give cost drivers as a list of lines or one text.")

    def to_representation(self, value):
        return value


MOST_LINKED = 500  # business units or services named in one request (each is a lookup)


class ServiceInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    slug = serializers.SlugField(max_length=160, required=False)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    summary = serializers.CharField(max_length=240)
    description = serializers.CharField(required=False, allow_blank=True)
    how_to_request = serializers.CharField(required=False, allow_blank=True)
    business_units = BoundedManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=BusinessUnit.objects.all()),
        max_length=MOST_LINKED,
        required=False,
    )
    service_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    business_owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, required=False)
    criticality = serializers.ChoiceField(choices=Criticality.choices, required=False)
    annual_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Read only: the sum of the cost drivers (PUT /api/v1/costs/services/{slug}/). Accepted "
        "when equal to the current value (0 on create), so a body read from GET can be sent back.",
    )
    cost_drivers = CostDriversField(
        required=False,
        help_text="Read only: the names of the cost drivers. Accepted when unchanged (empty on create).",
    )
    keywords = KeywordsField(required=False)
    depends_on = BoundedManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all()),
        max_length=MOST_LINKED,
        required=False,
    )
    support_calendar = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Calendar.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of a calendar, or null for none.",
    )


# --- Agreements ----------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="agreement-detail")
    portal_url = serializers.CharField(source="get_absolute_url", read_only=True)
    service = RefSerializer()
    business_unit = RefSerializer(allow_null=True)
    audience = serializers.CharField()
    created_by = PersonSerializer(allow_null=True)
    proposed_by = PersonSerializer(allow_null=True)
    it_signed_by = PersonSerializer(allow_null=True)
    business_signed_by = PersonSerializer(allow_null=True)
    supersedes = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "url",
            "portal_url",
            "service",
            "business_unit",
            "audience",
            "version",
            "status",
            *AGREEMENT_TERMS,
            "priority_matrix",
            "created_by",
            "created_at",
            "updated_at",
            "proposed_by",
            "proposed_at",
            "it_signed_by",
            "it_signed_at",
            "business_signed_by",
            "business_signed_at",
            "agreed_at",
            "supersedes",
            "superseded_by",
            "superseded_at",
            "withdrawn_at",
            "withdrawal_reason",
        ]


class AgreementAllowedActionsSerializer(serializers.Serializer):
    edit = serializers.BooleanField()
    propose = serializers.BooleanField()
    return_to_draft = serializers.BooleanField()
    withdraw = serializers.BooleanField()
    sign = serializers.ChoiceField(choices=["it", "business"], allow_null=True, help_text="The side you would sign.")


class AgreementDetailSerializer(AgreementSerializer):
    urgency_targets = targets.UrgencyTargetSerializer(many=True, read_only=True)
    measures = measures.MeasureSerializer(many=True, read_only=True, help_text="The success measures, in order.")
    allowed_actions = AgreementAllowedActionsSerializer(source="_allowed_actions")

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "urgency_targets", "measures", "allowed_actions"]


class AgreementTermsInputSerializer(serializers.Serializer):
    scope = serializers.CharField(required=False, allow_blank=True)
    exclusions = serializers.CharField(required=False, allow_blank=True)
    it_responsibilities = serializers.CharField(required=False, allow_blank=True)
    business_responsibilities = serializers.CharField(required=False, allow_blank=True)
    effective_from = serializers.DateField(
        required=False, allow_null=True, help_text="Within 10 years of today, before or after."
    )
    review_by = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="After effective_from and within 10 years of it (of today while it is not set).",
    )
    priority_matrix = serializers.JSONField(
        required=False,
        help_text="Priority (1-5) by impact (rows: high, medium, low) and urgency (columns: high, medium, low); "
        "ITIL's default is [[1, 2, 3], [2, 3, 4], [3, 4, 5]]. Only a draft's can change.",
    )

    def validate(self, attrs):
        start, review = attrs.get("effective_from"), attrs.get("review_by")
        if start and review and review <= start:
            raise serializers.ValidationError({"review_by": "The review date must come after the effective date."})
        return attrs


class AgreementCreateInputSerializer(AgreementTermsInputSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all())
    business_unit = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=BusinessUnit.objects.all(),
        allow_null=True,
        help_text="Slug of the business unit; null for an agreement with all business units.",
    )


class AgreementWithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class TermChangeSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text='A term, "priority_matrix", "urgency_targets.P<n>" or "measures.<key>" (a success measure).'
    )
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["term", "priority_matrix", "urgency_target", "measure"])
    change = serializers.ChoiceField(choices=["added", "removed", "changed"])
    priority = serializers.IntegerField(allow_null=True)
    old = serializers.CharField()
    new = serializers.CharField()
    diff = serializers.ListField(child=serializers.CharField())
    fields = FieldChangeSerializer(
        many=True, help_text="Matrix cells, or target or measure values that differ, as shown."
    )


class AgreementDiffSerializer(serializers.Serializer):
    old = AgreementSerializer()
    new = AgreementSerializer()
    changes = TermChangeSerializer(many=True)
