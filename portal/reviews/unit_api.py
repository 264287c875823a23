"""Business units' reviews over the API, as the service reviews' (portal/reviews/api.py). Thin:
the unit through the same scoped selector as the portal's pages (selectors.unit_review_units:
the unit's members and admins; their API keys with the read scope act as they do), the document
from selectors.unit_review, the PDF from portal.reviews.pdf.

    GET /api/v1/business-units/{slug}/reviews/                 the recent periods, prepared ones marked
    GET /api/v1/business-units/{slug}/reviews/{period}/        one review (2026-11, or 2026-Q4)
    GET /api/v1/business-units/{slug}/reviews/{period}/pdf/    the same as a PDF

A unit's review, like its page: an overview row per service it uses, and a section (as a service
review's) for each service it needs to discuss. A period that is not one is a 400 naming the
field; one that has not begun, a 404; a unit that is not the caller's, a 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.serializers import RefSerializer
from catalog.models import BusinessUnit
from portal.reviews import pdf, selectors
from portal.reviews.api import (
    PERIOD_PARAMETER,
    PDFRenderer,
    ReviewActionSerializer,
    ReviewAttainmentSerializer,
    ReviewListItemSerializer,
    ReviewPeriodSerializer,
    ReviewScoreSerializer,
    ReviewSectionSerializer,
    document_data,
    review_period,
    section_data,
)
from portal.reviews.periods import Period

SLUG = "service-slug"  # a placeholder, split out of one reversed URL (as the portal page does)


class UnitReviewListSerializer(serializers.Serializer):
    business_unit = RefSerializer()
    results = ReviewListItemSerializer(many=True)


class UnitReviewRowSerializer(serializers.Serializer):
    service = RefSerializer()
    review = serializers.CharField(help_text="The service's own review of the same period, in the API.")
    page = serializers.CharField(help_text="The service's own review of the same period, in the portal.")
    attainment = ReviewAttainmentSerializer(many=True, help_text="The unit's own tickets, per priority.")
    attainment_percent = serializers.FloatField(allow_null=True, help_text="Met of all the unit's clocks.")
    measures = serializers.IntegerField(help_text="Measures of the versions in force.")
    measures_met = serializers.IntegerField()
    measures_missed = serializers.IntegerField()
    commitments_delivered = serializers.IntegerField(help_text="Delivered on time in the period.")
    commitments_late = serializers.IntegerField(help_text="Late or missed.")
    commitments_renegotiated = serializers.IntegerField()
    csat = ReviewScoreSerializer()
    nps = ReviewScoreSerializer()
    survey_responses = serializers.IntegerField()
    watermelon = serializers.BooleanField(help_text="Green outside, red inside.")
    open_actions = serializers.IntegerField(help_text="Still open from the service's own reviews.")
    in_full = serializers.BooleanField(help_text="Something to discuss: the service has a section.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it is to discuss, in words.")


class UnitReviewSerializer(serializers.Serializer):
    business_unit = RefSerializer()
    period = ReviewPeriodSerializer()
    as_of = serializers.DateTimeField()
    so_far = serializers.BooleanField(help_text="The period is still in progress: its figures are so far.")
    discussion = serializers.CharField(help_text="How many services are shown in full, and why.")
    overview = UnitReviewRowSerializer(many=True)
    sections = ReviewSectionSerializer(many=True)
    previous_actions = ReviewActionSerializer(many=True)
    actions = ReviewActionSerializer(many=True)
    pdf = serializers.CharField()


def unit_review_data(document, *, pdf_url: str, service_urls: tuple[str, str]) -> dict:
    """The document of a unit's review as plain data for UnitReviewSerializer; `service_urls`:
    a service's review in the API and in the portal, with SLUG in place of its slug. Its
    overview is left empty: overview_rows writes it (see UnitReviewView)."""
    return {
        "business_unit": document.subject,
        **document_data(document),
        "discussion": document.discussion_note,
        "overview": [],
        "sections": [section_data(section) for section in document.sections],
        "pdf": pdf_url,
    }


def overview_rows(document, *, service_urls: tuple[str, str]) -> list[dict]:
    """The overview's rows exactly as UnitReviewRowSerializer writes them (pinned by
    tests/api/test_unit_reviews_api.py, byte for byte), written straight: a unit using 172
    services has 172 rows of four nested serializers, some 9,000 fields walked by DRF a request
    (docs/reviews.md#speed). Each value as its field writes it: IntegerField int(),
    FloatField float() (None kept where allow_null), CharField str(), the score's kind as is."""
    api_url, page_url = service_urls
    return [
        {
            "service": {"slug": str(row.service.slug), "name": str(row.service.name)},
            "review": api_url.replace(SLUG, row.service.slug),
            "page": page_url.replace(SLUG, row.service.slug),
            "attainment": [
                {
                    "priority": int(a.priority),
                    "met": int(a.met),
                    "missed": int(a.breached),
                    "percent": _float(a.percent),
                    "objective_percent": _float(a.objective_percent),
                }
                for a in row.attainment
            ],
            "attainment_percent": _float(row.attainment_percent),
            "measures": int(row.measures),
            "measures_met": int(row.measures_met),
            "measures_missed": int(row.measures_missed),
            "commitments_delivered": int(row.delivered),
            "commitments_late": int(row.late),
            "commitments_renegotiated": int(row.renegotiated),
            "csat": _score(row.csat),
            "nps": _score(row.nps),
            "survey_responses": int(row.feedback.responses),
            "watermelon": bool(row.flagged),
            "open_actions": int(row.open_actions),
            "in_full": bool(row.discussed),
            "reasons": [str(reason) for reason in row.reasons],
        }
        for row in document.overview
    ]


def _float(value) -> float | None:
    return None if value is None else float(value)


def _score(score) -> dict:
    value, responses = _float(score.value), int(score.responses)
    return {"kind": score.kind, "value": value, "responses": responses, "note": str(score.note)}


class _UnitReviewMixin:
    def _unit(self, request, slug: str) -> BusinessUnit:
        try:
            return selectors.unit_review_units(user=request.user).get(slug=slug)
        except BusinessUnit.DoesNotExist:
            raise NotFound("No such business unit, or not yours.") from None

    def _period(self, code: str) -> Period:
        return review_period(code, today=timezone.localdate())


class UnitReviewListView(_UnitReviewMixin, APIView):
    @extend_schema(
        operation_id="unit_reviews_list",
        summary="A business unit's reviews: the last 6 months and 4 quarters",
        responses=UnitReviewListSerializer,
    )
    def get(self, request, slug: str):
        unit = self._unit(request, slug)
        prepared = set(selectors.review_list(user=request.user, unit=unit).values_list("period", "period_start"))
        results = [
            {
                **{"code": p.code, "kind": p.kind, "label": p.label, "start": p.start, "end": p.end},
                "prepared": (p.kind, p.start) in prepared,
                "url": request.build_absolute_uri(reverse("unit-review", args=[slug, p.code])),
                "page": request.build_absolute_uri(reverse("portal:unit_review", args=[slug, p.code])),
            }
            for p in selectors.recent_periods(today=timezone.localdate())
        ]
        return Response(UnitReviewListSerializer({"business_unit": unit, "results": results}).data)


class UnitReviewView(_UnitReviewMixin, APIView):
    @extend_schema(
        operation_id="unit_review_retrieve",
        summary="One business unit's review: its services at a glance, in full those to discuss",
        parameters=[PERIOD_PARAMETER],
        responses=UnitReviewSerializer,
    )
    def get(self, request, slug: str, period: str):
        unit = self._unit(request, slug)
        review_period = self._period(period)
        document = selectors.unit_review(user=request.user, unit=unit, period=review_period, now=timezone.now())
        service_urls = (
            request.build_absolute_uri(reverse("service-review", args=[SLUG, review_period.code])),
            request.build_absolute_uri(reverse("portal:service_review", args=[SLUG, review_period.code])),
        )
        pdf_url = request.build_absolute_uri(reverse("unit-review-pdf", args=[slug, review_period.code]))
        data = UnitReviewSerializer(unit_review_data(document, pdf_url=pdf_url, service_urls=service_urls)).data
        data["overview"] = overview_rows(document, service_urls=service_urls)
        return Response(data)


class UnitReviewPdfView(_UnitReviewMixin, APIView):
    renderer_classes = [renderers.JSONRenderer, PDFRenderer]

    @extend_schema(
        operation_id="unit_review_pdf",
        summary="One business unit's review as a PDF",
        parameters=[PERIOD_PARAMETER],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The review's PDF.")},
    )
    def get(self, request, slug: str, period: str):
        unit = self._unit(request, slug)
        review_period = self._period(period)
        document = selectors.unit_review(user=request.user, unit=unit, period=review_period, now=timezone.now())
        response = HttpResponse(pdf.review_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{unit.slug}-review-{review_period.code}.pdf"'
        return response


urlpatterns = [
    path("business-units/<slug:slug>/reviews/", UnitReviewListView.as_view(), name="unit-reviews"),
    path("business-units/<slug:slug>/reviews/<str:period>/", UnitReviewView.as_view(), name="unit-review"),
    path("business-units/<slug:slug>/reviews/<str:period>/pdf/", UnitReviewPdfView.as_view(), name="unit-review-pdf"),
]
