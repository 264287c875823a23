"""SLA endpoints under /api/v1/ (the API root view is catalog's router)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sla.api import commitments, integrations, measurements, scorecard, views
from sla.risks.api import RiskListView

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("commitments", commitments.CommitmentViewSet, basename="commitment")

urlpatterns = [
    path("ticket-events/", views.TicketEventsView.as_view(), name="ticket-events"),
    path("measurements/", measurements.MeasurementsView.as_view(), name="measurements"),
    path("measurements/<int:pk>/", measurements.MeasurementDetailView.as_view(), name="measurement-detail"),
    path("measurements/<int:pk>/correct/", measurements.MeasurementCorrectView.as_view(), name="measurement-correct"),
    path("measurements/<int:pk>/remove/", measurements.MeasurementRemoveView.as_view(), name="measurement-remove"),
    path("risks/", RiskListView.as_view(), name="risks"),
    path("services/<slug:slug>/scorecard/", scorecard.ServiceScorecardView.as_view(), name="service-scorecard"),
    *router.urls,
]

# Webhooks from the ticket tools; <slug> picks one integration when a kind has several.
for _kind, _view in (
    ("jira", integrations.JiraWebhookView),
    ("servicenow", integrations.ServiceNowWebhookView),
    ("zendesk", integrations.ZendeskWebhookView),
):
    urlpatterns += [
        path(f"integrations/{_kind}/", _view.as_view(), name=f"integration-{_kind}"),
        path(f"integrations/{_kind}/<slug:slug>/", _view.as_view(), name=f"integration-{_kind}-slug"),
    ]
