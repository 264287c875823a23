from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("config.ops.urls")),  # /healthz, /readyz, /metrics
    path("admin/", admin.site.urls),
    path("api/v1/", include("catalog.api.urls")),
    path("api/v1/", include("sla.api.urls")),
    path("api/v1/", include("feedback.api.urls")),
    path("api/v1/", include("portal.reviews.api")),
    path("api/v1/", include("portal.reviews.unit_api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script=), as the CSP requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("feedback/", include("feedback.urls")),
    path("", include("portal.urls")),
]

handler500 = "config.ops.unavailable.server_error"  # a database outage is a 503, even outside a view
# Under /api/ these answer in the API's error format (catalog/api/errors.py).
handler400 = "catalog.api.errors.bad_request"
handler403 = "catalog.api.errors.permission_denied"
handler404 = "catalog.api.errors.page_not_found"
