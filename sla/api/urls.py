"""SLA endpoints under /api/v1/ (the API root view is catalog's router)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = [*router.urls]
