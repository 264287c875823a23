"""Query-string filters of the catalogue API (django-filter); bad values give a 400."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from catalog.models import Agreement, AgreementStatus, Criticality, Lifecycle, Service
from catalog.selectors import service_search


class QueriedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which makes the filter set (and its form, a deep copy of every
    filter's field) only when the query string names one of its filters: with none, each filter
    would leave the queryset as it is and the form of an empty query is valid, so the queryset is
    the view's. (~1 ms of CPU on every unfiltered page of a list; bench/list_api.py.) A name is
    matched as a prefix of a parameter, as the filters whose widgets add suffixes read theirs."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not names_a_filter(request, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)


def names_a_filter(request, filterset_class) -> bool:
    """Whether the query string names one of the filter set's filters (QueriedFilterBackend)."""
    return any(
        parameter.startswith(name) for parameter in request.query_params for name in filterset_class.base_filters
    )


class ServiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Text search in name, summary, description, keywords")
    category = django_filters.CharFilter(field_name="category__slug", label="Category slug")
    business_unit = django_filters.CharFilter(method="filter_business_unit", label="Business unit slug")
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices)
    criticality = django_filters.MultipleChoiceFilter(choices=Criticality.choices)
    service_owner = django_filters.CharFilter(field_name="service_owner__username", label="Service owner username")

    class Meta:
        model = Service
        fields = ["q", "category", "business_unit", "lifecycle", "criticality", "service_owner"]

    def filter_text(self, queryset, name, value):
        return service_search(queryset, value)

    def filter_business_unit(self, queryset, name, value):
        # A subquery rather than a join, so a service is listed once.
        return queryset.filter(
            pk__in=Service.business_units.through.objects.filter(businessunit__slug=value).values("service_id")
        )


class AgreementFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    business_unit = django_filters.CharFilter(
        method="filter_business_unit", label="Business unit slug, or 'all' for all-units agreements"
    )
    status = django_filters.MultipleChoiceFilter(choices=AgreementStatus.choices)
    review_before = django_filters.DateFilter(
        field_name="review_by", lookup_expr="lte", label="Review due on or before"
    )

    class Meta:
        model = Agreement
        fields = ["service", "business_unit", "status", "review_before"]

    def filter_business_unit(self, queryset, name, value):
        if value == "all":
            return queryset.filter(business_unit__isnull=True)
        return queryset.filter(business_unit__slug=value)
