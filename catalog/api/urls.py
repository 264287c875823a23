from django.urls import path
from rest_framework.routers import DefaultRouter

from catalog.alignment import api as alignment
from catalog.alignment import api_changes as alignment_changes
from catalog.api import views
from catalog.costs import api as costs

# No `.json`-style format suffixes: the view sets' actions take no `format` argument (a suffix
# was a 500, issue 15), and the sla and feedback routers have none. `?format=` still works.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("services", views.ServiceViewSet, basename="service")
router.register("business-units", views.BusinessUnitViewSet, basename="businessunit")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("agreements", views.AgreementViewSet, basename="agreement")

urlpatterns = [
    *router.urls,
    # Catalogue alignment (catalog/alignment/api.py) and cost of provision (catalog/costs/api.py).
    path("alignment/", alignment.AlignmentRankingView.as_view(), name="alignment-ranking"),
    path("alignment/units/<slug:slug>/", alignment.UnitAlignmentView.as_view(), name="alignment-unit"),
    path("alignment/units/<slug:slug>/marks/", alignment.UnitMarksView.as_view(), name="alignment-marks"),
    path("alignment/requests/", alignment.RequestListView.as_view(), name="alignment-request-list"),
    path("alignment/requests/<int:pk>/", alignment.RequestDetailView.as_view(), name="alignment-request-detail"),
    path("alignment/requests/<int:pk>/answer/", alignment.RequestAnswerView.as_view(), name="alignment-request-answer"),
    path("alignment/requests/<int:pk>/assign/", alignment.RequestAssignView.as_view(), name="alignment-request-assign"),
    path(
        "alignment/requests/<int:pk>/withdraw/",
        alignment_changes.RequestWithdrawView.as_view(),
        name="alignment-request-withdraw",
    ),
    path(
        "alignment/requests/<int:pk>/correct/",
        alignment_changes.RequestCorrectView.as_view(),
        name="alignment-request-correct",
    ),
    path(
        "alignment/requests/<int:pk>/history/",
        alignment_changes.RequestHistoryView.as_view(),
        name="alignment-request-history",
    ),
    path("costs/", costs.CatalogueCostsView.as_view(), name="costs"),
    path("costs/units/<slug:slug>/", costs.UnitCostsView.as_view(), name="unit-costs"),
    path("costs/services/<slug:slug>/", costs.ServiceCostsView.as_view(), name="service-costs"),
]
