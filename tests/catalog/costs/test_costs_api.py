"""Cost of provision over the API: totals per unit and category, a unit's bill, a service's
drivers and allocation; signed-in readers only."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.costs.models import AllocationRule
from catalog.costs.services import service_cost_set
from tests.factories import BusinessUnitFactory, ServiceFactory, business_user

pytestmark = pytest.mark.django_db
# GET a unit's bill and a service's costs: measured 5 and 8 on SQLite and PostgreSQL, the same with
# more services, units and drivers (test_the_reads_cost_the_same_queries_with_more_rows). A service's
# 8 read the service, its units and drivers twice (cost_allocations, then service_cost_ratios).
UNIT_QUERIES = 5
SERVICE_QUERIES = 8


@pytest.fixture
def priced():
    sales = BusinessUnitFactory(name="Sales", slug="sales", headcount=300)
    finance = BusinessUnitFactory(name="Finance", slug="finance", headcount=100)
    crm = ServiceFactory(name="CRM", slug="crm", business_units=[sales, finance])
    service_cost_set(
        service=crm,
        allocation_rule=AllocationRule.HEADCOUNT,
        drivers=[
            {"name": "Licences", "amount": "3000", "quantity": "400", "unit_of_measure": "user licences"},
            {"name": "Support", "amount": "1000"},
        ],
    )
    ServiceFactory(name="Lonely", slug="lonely", annual_cost=500)
    return sales, finance, crm


def _as(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_catalogue_totals(priced, django_assert_max_num_queries):
    api = _as(business_user())
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/costs/").json()
    assert body["total"] == "4500.00"
    assert [(row["slug"], row["total"]) for row in body["per_unit"]] == [("sales", "3000.00"), ("finance", "1000.00")]
    assert [s["slug"] for s in body["unallocated"]] == ["lonely"]


def test_a_units_bill_names_the_rule(priced, django_assert_max_num_queries):
    api = _as(business_user())
    with django_assert_max_num_queries(UNIT_QUERIES):
        body = api.get("/api/v1/costs/units/finance/").json()
    assert body["total"] == "1000.00"
    (row,) = body["rows"]
    assert (row["service"]["slug"], row["rule"], row["weight"], row["weight_total"], row["amount"]) == (
        "crm",
        "headcount",
        "100.00",
        "400.00",
        "1000.00",
    )
    assert _as(business_user()).get("/api/v1/costs/units/nope/").status_code == 404


def test_a_services_drivers_and_ratios(priced, django_assert_max_num_queries):
    api = _as(business_user())
    with django_assert_max_num_queries(SERVICE_QUERIES):
        body = api.get("/api/v1/costs/services/crm/").json()
    assert [(d["name"], d["amount"], d["unit_of_measure"]) for d in body["drivers"]] == [
        ("Licences", "3000.00", "user licences"),
        ("Support", "1000.00", ""),
    ]
    assert {s["unit"]["slug"]: s["amount"] for s in body["shares"]} == {"sales": "3000.00", "finance": "1000.00"}
    assert (body["users"], body["per_user"], body["per_ticket"]) == (400, "10.00", None)
    assert Decimal(body["total"]) == Decimal(4000)


def test_anonymous_callers_are_refused(priced):
    for url in ("/api/v1/costs/", "/api/v1/costs/units/sales/", "/api/v1/costs/services/crm/"):
        assert _as(None).get(url).status_code in (401, 403)


def test_the_reads_cost_the_same_queries_with_more_rows(priced, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _sales, finance, crm = priced
    api = _as(business_user())
    urls = {"/api/v1/costs/units/finance/": UNIT_QUERIES, "/api/v1/costs/services/crm/": SERVICE_QUERIES}

    def counts() -> list[int]:
        found = []
        for url, pinned in urls.items():
            with django_assert_max_num_queries(pinned), CaptureQueriesContext(connection) as captured:
                assert api.get(url).status_code == 200
            found.append(len(captured))
        return found

    few = counts()
    units = [BusinessUnitFactory(name=f"Unit {n}", slug=f"unit-{n}", headcount=10 + n) for n in range(6)]
    crm.business_units.add(*units)
    drivers = [{"name": f"Driver {n}", "amount": "100"} for n in range(6)]
    service_cost_set(service=crm, allocation_rule=AllocationRule.HEADCOUNT, drivers=drivers)
    for n, rule in enumerate([AllocationRule.EQUAL, AllocationRule.HEADCOUNT, AllocationRule.TICKETS] * 2):
        service = ServiceFactory(name=f"Priced {n}", slug=f"priced-{n}", business_units=[finance, *units[:n]])
        service_cost_set(service=service, allocation_rule=rule, drivers=drivers[:3])
    assert counts() == few
    assert len(api.get("/api/v1/costs/units/finance/").json()["rows"]) == 7
    assert len(api.get("/api/v1/costs/services/crm/").json()["shares"]) == 8
