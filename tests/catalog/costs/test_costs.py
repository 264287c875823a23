"""Cost of provision: setting drivers, sharing them out by each rule, the portal pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog.costs import selectors
from catalog.costs.models import AllocationRule, CostDriver
from catalog.costs.services import service_cost_set
from sla.models import Ticket
from tests.factories import BusinessUnitFactory, MembershipFactory, ServiceFactory, admin_user, business_user

pytestmark = pytest.mark.django_db

DRIVERS = [
    {"name": "Licences", "amount": "700.00", "quantity": "70", "unit_of_measure": "user licences"},
    {"name": "Support team", "amount": "300.01", "quantity": "0.5", "unit_of_measure": "FTE"},
]


@pytest.fixture
def units():
    sales = BusinessUnitFactory(name="Sales", slug="sales", headcount=300)
    finance = BusinessUnitFactory(name="Finance", slug="finance", headcount=100)
    ops = BusinessUnitFactory(name="Operations", slug="operations")  # no headcount: its members count
    MembershipFactory(business_unit=ops)
    MembershipFactory(business_unit=ops)
    return sales, finance, ops


@pytest.fixture
def reader():
    return business_user()


def _tickets(service, unit, count, *, days_ago=10):
    opened = timezone.now() - timedelta(days=days_ago)
    for n in range(count):
        Ticket.objects.create(
            service=service,
            business_unit=unit,
            source="t",
            external_id=f"{service.pk}-{unit.slug}-{days_ago}-{n}",
            opened_at=opened,
        )


def _shares(reader, service):
    (allocation,) = selectors.cost_allocations(
        user=reader, now=timezone.now(), queryset=type(service).objects.filter(pk=service.pk)
    )
    return allocation, {share.unit.slug: share.amount for share in allocation.shares}


def test_drivers_set_the_annual_cost_and_share_out_equally(units, reader):
    service = ServiceFactory(business_units=units)
    service_cost_set(service=service, allocation_rule=AllocationRule.EQUAL, drivers=DRIVERS)
    service.refresh_from_db()
    assert service.annual_cost == Decimal("1000.01")
    allocation, shares = _shares(reader, service)
    assert allocation.total == Decimal("1000.01")
    assert shares == {"finance": Decimal("333.34"), "operations": Decimal("333.34"), "sales": Decimal("333.33")}
    assert sum(shares.values()) == allocation.total


def test_headcount_uses_the_field_or_the_members(units, reader):
    service = ServiceFactory(business_units=units)
    service_cost_set(service=service, allocation_rule=AllocationRule.HEADCOUNT, drivers=[{"name": "X", "amount": 402}])
    _, shares = _shares(reader, service)
    # 300 : 100 : 2 members
    assert shares == {"sales": Decimal("300.00"), "finance": Decimal("100.00"), "operations": Decimal("2.00")}


def test_ticket_volume_counts_the_last_twelve_months_only(units, reader):
    sales, finance, ops = units
    service = ServiceFactory(business_units=units)
    service_cost_set(service=service, allocation_rule=AllocationRule.TICKETS, drivers=[{"name": "X", "amount": 90}])
    _tickets(service, sales, 2)
    _tickets(service, finance, 1)
    _tickets(service, ops, 5, days_ago=400)  # older than a year: not counted
    _, shares = _shares(reader, service)
    assert shares == {"sales": Decimal("60.00"), "finance": Decimal("30.00"), "operations": Decimal("0.00")}


def test_no_tickets_yet_falls_back_to_equal_shares_and_says_so(units, reader):
    service = ServiceFactory(business_units=units[:2])
    service_cost_set(service=service, allocation_rule=AllocationRule.TICKETS, drivers=[{"name": "X", "amount": 10}])
    allocation, shares = _shares(reader, service)
    assert allocation.fell_back_to_equal
    assert shares == {"sales": Decimal("5.00"), "finance": Decimal("5.00")}


def test_without_drivers_the_stated_annual_cost_is_shared(units, reader):
    service = ServiceFactory(business_units=units[:2], annual_cost=Decimal("12000"))
    _, shares = _shares(reader, service)
    assert shares == {"sales": Decimal("6000.00"), "finance": Decimal("6000.00")}


@pytest.mark.parametrize(
    ("drivers", "message"),
    [
        ([{"name": "", "amount": 1}], "Driver 1: a name is required."),
        ([{"name": "A", "amount": -1}], "Driver 1: the amount must be between 0 and 9,999,999,999.99."),
        ([{"name": "A", "amount": "1e12"}], "Driver 1: the amount must be between 0 and 9,999,999,999.99."),
        ([{"name": "A", "amount": "abc"}], "Driver 1: the amount must be a number."),
        ([{"name": "A", "amount": "1.001"}], "Driver 1: the amount has at most two decimal places."),
        ([{"name": "A", "amount": 1}, {"name": "a", "amount": 2}], "Driver 2: “a” is named twice."),
    ],
)
def test_bad_drivers_store_nothing(units, drivers, message):
    service = ServiceFactory(business_units=units)
    service_cost_set(service=service, allocation_rule=AllocationRule.EQUAL, drivers=[{"name": "Kept", "amount": 5}])
    with pytest.raises(ValidationError) as error:
        service_cost_set(service=service, allocation_rule=AllocationRule.HEADCOUNT, drivers=drivers)
    assert error.value.message_dict == {"drivers": [message]}
    assert list(CostDriver.objects.values_list("name", flat=True)) == ["Kept"]
    assert service.cost.allocation_rule == AllocationRule.EQUAL


def test_an_unknown_rule_is_refused(units):
    with pytest.raises(ValidationError) as error:
        service_cost_set(service=ServiceFactory(), allocation_rule="whim", drivers=[])
    assert "allocation_rule" in error.value.message_dict


def test_cost_per_ticket_and_per_user(units, reader):
    sales, finance, _ = units
    service = ServiceFactory(business_units=[sales, finance])
    service_cost_set(service=service, allocation_rule=AllocationRule.EQUAL, drivers=[{"name": "X", "amount": 4000}])
    _tickets(service, sales, 8)
    ratios = selectors.service_cost_ratios(user=reader, service=service, now=timezone.now())
    assert (ratios.per_ticket, ratios.per_user) == (Decimal("500.00"), Decimal("10.00"))
    assert selectors.service_cost_ratios(user=None or _anonymous(), service=service, now=timezone.now()) is None


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _catalogue(units, count):
    sales, finance, ops = units
    for n in range(count):
        service = ServiceFactory(business_units=[sales, finance, ops])
        rule = [AllocationRule.EQUAL, AllocationRule.HEADCOUNT, AllocationRule.TICKETS][n % 3]
        service_cost_set(service=service, allocation_rule=rule, drivers=[{"name": "A", "amount": 100 + n}])
        _tickets(service, sales, 1)


def test_catalogue_page_totals_per_unit_and_category(client, units, reader, django_assert_max_num_queries):
    _catalogue(units, 3)
    ServiceFactory(annual_cost=Decimal("50"))  # serves nobody: listed as not shared out
    client.force_login(reader)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("portal:costs"))
    assert response.status_code == 200
    costs = response.context["costs"]
    assert costs.total == Decimal("353.00")
    assert sum(total for _, total, _ in costs.per_unit) == Decimal("303.00")
    assert sum(total for _, total, _ in costs.per_category) == Decimal("353.00")
    assert [allocation.total for allocation in costs.unallocated] == [Decimal("50.00")]
    assert "<script>" not in response.content.decode()
    _catalogue(units, 6)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("portal:costs")).status_code == 200


def test_unit_page_lists_each_service_with_its_rule(client, units, reader, django_assert_max_num_queries):
    _catalogue(units, 3)
    client.force_login(reader)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("portal:unit_costs", args=["sales"]))
    page = response.content.decode()
    bill = response.context["bill"]
    assert len(bill.rows) == 3
    assert {row.allocation.rule for row in bill.rows} == set(AllocationRule.values)
    assert "By headcount: 300 of 402 people" in page
    assert "By ticket volume (last 12 months): 1 of 1 tickets" in page
    assert bill.total == sum(row.share.amount for row in bill.rows)
    _catalogue(units, 6)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:unit_costs", args=["sales"])).status_code == 200


def test_cost_pages_need_a_signed_in_reader(client, units):
    response = client.get(reverse("portal:costs"))
    assert response.status_code == 302
    assert client.get(reverse("portal:unit_costs", args=["nowhere"])).status_code == 302
    client.force_login(admin_user())
    assert client.get(reverse("portal:unit_costs", args=["nowhere"])).status_code == 404


def test_service_page_shows_cost_per_ticket_and_user(client, units, reader):
    sales, finance, _ = units
    service = ServiceFactory(business_units=[sales, finance])
    service_cost_set(service=service, allocation_rule=AllocationRule.HEADCOUNT, drivers=DRIVERS)
    _tickets(service, sales, 4)
    client.force_login(reader)
    page = client.get(service.get_absolute_url()).content.decode()
    assert "Cost against results" in page
    assert "250.00" in page  # 1,000.01 / 4 tickets
    assert "2.50" in page  # 1,000.01 / 400 people
    assert "70 user licences" in page
