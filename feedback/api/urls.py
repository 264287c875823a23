"""Feedback endpoints under /api/v1/ (included from config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from feedback.api import follow_ups, perception, responses, summary

urlpatterns = [
    # Scores: CSAT, NPS and CES per period, with intervals, rank and median across services.
    path("services/<slug:slug>/feedback/", summary.ServiceFeedbackView.as_view(), name="service-feedback"),
    # The perception gap: IT's view against the business's, per success factor.
    path(
        "services/<slug:slug>/perception-gap/",
        perception.ServicePerceptionGapView.as_view(),
        name="service-perception-gap",
    ),
    path("perception-gaps/", perception.PerceptionGapsView.as_view(), name="perception-gaps"),
    path(
        "services/<slug:slug>/self-assessments/<str:quarter>/",
        perception.SelfAssessmentView.as_view(),
        name="service-self-assessment",
    ),
    # Surveys: responses collected by other tools; a service's survey settings.
    path("feedback/responses/", responses.ExternalResponsesView.as_view(), name="feedback-responses"),
    path("services/<slug:slug>/survey-settings/", responses.SurveySettingsView.as_view(), name="survey-settings"),
]

# Detractor follow-ups: list (scoped), detail, and the actions contacted and close.
router = SimpleRouter()
router.register("feedback/follow-ups", follow_ups.FollowUpViewSet, basename="follow-up")
urlpatterns += router.urls
