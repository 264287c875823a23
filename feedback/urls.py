"""Public survey pages under /feedback/ (no sign-in: the signed link is the key)."""

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    path("s/<str:token>/thanks/", views.survey_thanks, name="survey_thanks"),
]
