"""Service reviews over the API. Thin: the service through the scoped selector (a review is
readable by every signed-in reader of the catalogue, and by their API keys with the read scope),
the document from portal.reviews.selectors, the PDF from portal.reviews.pdf.

    GET /api/v1/services/{slug}/reviews/                 the recent periods, prepared ones marked
    GET /api/v1/services/{slug}/reviews/{period}/        one review (2026-11, or 2026-Q4)
    GET /api/v1/services/{slug}/reviews/{period}/pdf/    the same as a PDF

A period that is not one is a 400 naming the field; one that has not begun, a 404.
"""

from __future__ import annotations

import json
from datetime import date

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import RefSerializer
from catalog.models import Service
from feedback import scores
from portal.reviews import list_rows, pdf, selectors
from portal.reviews.periods import Period, period_parse, period_started
from sla.commitments import local_date
from sla.selectors import service_time_zone

PERIOD_PARAMETER = OpenApiParameter(
    "period", str, OpenApiParameter.PATH, description="A month (2026-11) or a quarter (2026-Q4) that has begun."
)


class ReviewPeriodSerializer(serializers.Serializer):
    period = serializers.CharField(source="code", help_text="2026-11 or 2026-Q4")
    kind = serializers.ChoiceField(choices=["month", "quarter"])
    label = serializers.CharField()
    start = serializers.DateField(help_text="Its first day.")
    end = serializers.DateField(help_text="The day after its last day.")


class ReviewListItemSerializer(serializers.Serializer):
    period = ReviewPeriodSerializer(source="*")
    prepared = serializers.BooleanField(help_text="Prepared by the monthly task (or an action was recorded).")
    url = serializers.CharField(help_text="The review in the API.")
    page = serializers.CharField(help_text="The printable page in the portal.")


class ReviewListSerializer(serializers.Serializer):
    service = RefSerializer()
    results = ReviewListItemSerializer(many=True)


class ReviewTargetSerializer(serializers.Serializer):
    priority = serializers.CharField()
    targets = serializers.CharField()


class ReviewAgreedMeasureSerializer(serializers.Serializer):
    name = serializers.CharField()
    why = serializers.CharField()
    target = serializers.CharField()


class ReviewAgreedSerializer(serializers.Serializer):
    agreement = serializers.IntegerField()
    version = serializers.IntegerField()
    audience = serializers.CharField()
    review_by = serializers.DateField(allow_null=True)
    targets = ReviewTargetSerializer(many=True)
    measures = ReviewAgreedMeasureSerializer(many=True)


class ReviewAttainmentSerializer(serializers.Serializer):
    priority = serializers.IntegerField()
    met = serializers.IntegerField()
    missed = serializers.IntegerField(source="breached")
    percent = serializers.FloatField(allow_null=True)
    objective_percent = serializers.FloatField(allow_null=True)


class ReviewMeasurePeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    actual = serializers.FloatField(allow_null=True)
    status = serializers.CharField()


class ReviewMeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    target = serializers.FloatField()
    unit = serializers.CharField()
    status = serializers.CharField()
    periods = ReviewMeasurePeriodSerializer(many=True)


class ReviewCommitmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    outcome = serializers.CharField(help_text="delivered, late, missed, withdrawn, renegotiated or due.")
    reasons = serializers.ListField(child=serializers.CharField())


class ReviewScoreSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(scores.KINDS))
    value = serializers.FloatField(allow_null=True)
    responses = serializers.IntegerField()
    note = serializers.CharField()


class ReviewThemeSerializer(serializers.Serializer):
    name = serializers.CharField()
    comments = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    average = serializers.FloatField(allow_null=True)


class ReviewGapSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    gap = serializers.FloatField()


class ReviewMissSerializer(serializers.Serializer):
    what = serializers.CharField()
    causes = serializers.ListField(child=serializers.CharField())


class ReviewActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    owner = serializers.CharField()
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=["open", "done", "dropped", "overdue"])
    closed_on = serializers.DateField(allow_null=True)


class ReviewNextSerializer(serializers.Serializer):
    agreement_reviews = serializers.ListField(child=serializers.DictField())
    commitments_due = serializers.ListField(child=serializers.DictField())


class ReviewSectionSerializer(serializers.Serializer):
    """One service's part of a review: all of a service's review, or a section of a unit's."""

    service = RefSerializer()
    agreed = ReviewAgreedSerializer(many=True)
    attainment = ReviewAttainmentSerializer(many=True)
    measures = ReviewMeasureSerializer(many=True)
    commitments = ReviewCommitmentSerializer(many=True)
    surveys = ReviewScoreSerializer(many=True)
    survey_responses = serializers.IntegerField()
    themes = ReviewThemeSerializer(many=True)
    perception_gaps = ReviewGapSerializer(many=True)
    watermelon = serializers.CharField(
        allow_null=True, help_text="Green outside, red inside: why, when the service is flagged; else null."
    )
    misses = ReviewMissSerializer(many=True)
    next = ReviewNextSerializer()


class ReviewSerializer(ReviewSectionSerializer):
    period = ReviewPeriodSerializer()
    as_of = serializers.DateTimeField()
    so_far = serializers.BooleanField(help_text="The period is still in progress: its figures are so far.")
    previous_actions = ReviewActionSerializer(many=True)
    actions = ReviewActionSerializer(many=True)
    pdf = serializers.CharField()


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _actions(lines) -> list[dict]:
    return [
        {
            "id": line.action.pk,
            "text": line.action.text,
            "owner": _person(line.action.owner),
            "due_on": line.action.due_on,
            "status": line.state,
            "closed_on": line.action.closed_on,
        }
        for line in lines
    ]


def review_data(document, pdf_url: str) -> dict:
    """The document of a service review as plain data for ReviewSerializer."""
    return {
        **section_data(document.sections[0]),
        "service": document.subject,
        **document_data(document),
        "pdf": pdf_url,
    }


def document_data(document) -> dict:
    """What a service's and a unit's review both say beside their sections."""
    return {
        "period": document.period,
        "as_of": document.as_of,
        "so_far": document.so_far,
        "previous_actions": _actions(document.previous_actions),
        "actions": _actions(document.actions),
    }


def section_data(section) -> dict:
    """One service's section as plain data for ReviewSectionSerializer."""
    return {
        "service": section.service,
        "agreed": [
            {
                "agreement": t.agreement.pk,
                "version": t.agreement.version,
                "audience": t.audience,
                "review_by": t.agreement.review_by,
                "targets": [{"priority": p, "targets": text} for p, text in t.targets],
                "measures": [{"name": n, "why": w, "target": g} for n, w, g in t.measures],
            }
            for t in section.agreed
        ],
        "attainment": section.attainment,
        "measures": [
            {
                "key": m.card.measure.key,
                "name": m.card.measure.name,
                "target": m.card.target,
                "unit": m.card.measure.unit,
                "status": m.status,
                "periods": m.periods,
            }
            for m in section.measures
        ],
        "commitments": [
            {
                "id": c.commitment.pk,
                "title": c.commitment.title,
                "due_on": c.commitment.due_on,
                "outcome": c.reading.kind,
                "reasons": list(c.reading.reasons),
            }
            for c in section.commitments
        ],
        "surveys": section.scores,
        "survey_responses": section.feedback.responses,
        "themes": section.themes,
        "perception_gaps": section.perception.perception.gaps,
        "misses": section.misses,
        "watermelon": section.watermelon.summary if section.watermelon and section.watermelon.flagged else None,
        "next": {
            "agreement_reviews": [{"audience": a, "review_by": d.isoformat()} for a, d in section.review_dates],
            "commitments_due": [
                {"id": c.pk, "title": c.title, "due_on": c.due_on.isoformat()} for c in section.commitments_next
            ],
        },
    }


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/pdf; an error is still the API's JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


class _ServiceReviewMixin:
    def _service(self, request, slug: str) -> Service:
        try:
            return selectors.service_review_services(user=request.user).get(slug=slug)
        except Service.DoesNotExist:
            raise NotFound("No such service.") from None

    def _period(self, service: Service, code: str) -> Period:
        return review_period(code, today=local_date(timezone.now(), service_time_zone(service)))


def review_period(code: str, *, today: date) -> Period:
    """The period a review URL names: a 400 naming `period` if it cannot be read, a 404 if it has
    not begun by `today` (the service's or the site's date: the caller knows whose)."""
    try:
        period = period_parse(code)
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from None
    if not period_started(period, today):
        raise NotFound("That period has not begun: there is nothing to review yet.")
    return period


class ServiceReviewListView(_ServiceReviewMixin, APIView):
    @extend_schema(
        operation_id="service_reviews_list",
        summary="A service's reviews: the last 6 months and 4 quarters",
        responses=ReviewListSerializer,
    )
    def get(self, request, slug: str):
        # ReviewListSerializer's output from the service's row and its prepared periods (list_rows.py)
        service = list_rows.review_service(user=request.user, slug=slug)
        if service is None:
            raise NotFound("No such service.")
        today = local_date(timezone.now(), list_rows.review_time_zone(service))
        return Response(list_rows.review_list(service, today=today, request=request))


class ServiceReviewView(_ServiceReviewMixin, APIView):
    @extend_schema(
        operation_id="service_review_retrieve",
        summary="One service review: agreed, happened, misses and causes, actions, what comes next",
        parameters=[PERIOD_PARAMETER],
        responses=ReviewSerializer,
    )
    def get(self, request, slug: str, period: str):
        service = self._service(request, slug)
        review_period = self._period(service, period)
        document = selectors.service_review(
            user=request.user, service=service, period=review_period, now=timezone.now()
        )
        pdf_url = request.build_absolute_uri(reverse("service-review-pdf", args=[slug, review_period.code]))
        return Response(ReviewSerializer(review_data(document, pdf_url)).data)


class ServiceReviewPdfView(_ServiceReviewMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="service_review_pdf",
        summary="One service review as a PDF",
        parameters=[PERIOD_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The review's PDF.")},
    )
    def get(self, request, slug: str, period: str):
        service = self._service(request, slug)
        review_period = self._period(service, period)
        document = selectors.service_review(
            user=request.user, service=service, period=review_period, now=timezone.now()
        )
        response = HttpResponse(pdf.review_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{service.slug}-review-{review_period.code}.pdf"'
        return response


urlpatterns = [
    path("services/<slug:slug>/reviews/", ServiceReviewListView.as_view(), name="service-reviews"),
    path("services/<slug:slug>/reviews/<str:period>/", ServiceReviewView.as_view(), name="service-review"),
    path("services/<slug:slug>/reviews/<str:period>/pdf/", ServiceReviewPdfView.as_view(), name="service-review-pdf"),
]
