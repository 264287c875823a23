from rest_framework.routers import DefaultRouter

from catalog.api import views

# No `.json`-style format suffixes: the view sets' actions take no `format` argument (a suffix
# was a 500, issue 15), and the sla and feedback routers have none. `?format=` still works.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("services", views.ServiceViewSet, basename="service")
router.register("business-units", views.BusinessUnitViewSet, basename="businessunit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = router.urls
