"""Feedback endpoints under /api/v1/ (included from config/urls.py)."""

from django.urls import path

from feedback.api import perception

urlpatterns = [
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
]
