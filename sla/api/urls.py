"""SLA endpoints under /api/v1/ (the API root view is catalog's router)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from sla.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("alerts", views.AlertViewSet, basename="alert")

urlpatterns = [
    path("ticket-events/", views.TicketEventsView.as_view(), name="ticket-events"),
    *router.urls,
]
