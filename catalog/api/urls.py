from rest_framework.routers import DefaultRouter

from catalog.api import views

router = DefaultRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("business-units", views.BusinessUnitViewSet, basename="businessunit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = router.urls
