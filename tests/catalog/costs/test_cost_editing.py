"""Setting a service's cost drivers and allocation rule: who may (its owner and admins), where
(the portal's cost page, PUT /api/v1/costs/services/<slug>/, the admin), what bad input gets (a
400 naming each field), and that the annual cost is the sum of the drivers after every path."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.costs.models import AllocationRule, CostDriver, ServiceCost
from catalog.costs.services import service_cost_set
from catalog.models import Service
from catalog.tokens import api_token_issue
from tests.factories import BusinessUnitFactory, ServiceFactory, admin_user, business_user, service_owner

pytestmark = pytest.mark.django_db

DRIVERS = [
    {"name": "Licences", "amount": "700.00", "quantity": "70", "unit_of_measure": "user licences"},
    {"name": "Support team", "amount": "300.01", "quantity": "0.5", "unit_of_measure": "FTE"},
]


@pytest.fixture
def owner():
    return service_owner(username="olive", is_staff=True)


@pytest.fixture
def crm(owner):
    sales = BusinessUnitFactory(name="Sales", slug="sales", headcount=300)
    finance = BusinessUnitFactory(name="Finance", slug="finance", headcount=100)
    service = ServiceFactory(name="CRM", slug="crm", service_owner=owner, business_units=[sales, finance])
    service_cost_set(service=service, allocation_rule=AllocationRule.EQUAL, drivers=[{"name": "Old", "amount": 50}])
    return service


def _stored(service: Service) -> tuple[Decimal, str, list[tuple[str, Decimal]]]:
    service.refresh_from_db()
    drivers = [(d.name, d.amount) for d in CostDriver.objects.filter(service_cost__service=service)]
    return service.annual_cost, service.cost_drivers, drivers


def _total_is_the_sum(service: Service) -> None:
    annual_cost, names, drivers = _stored(service)
    assert annual_cost == sum((amount for _, amount in drivers), Decimal(0))
    assert names.splitlines() == [name for name, _ in drivers]


# --- The service and the rule -------------------------------------------------------------------


def test_the_annual_cost_and_the_listed_drivers_follow_the_rows(crm):
    service_cost_set(service=crm, allocation_rule=AllocationRule.HEADCOUNT, drivers=DRIVERS, note=" From invoices ")
    assert _stored(crm) == (
        Decimal("1000.01"),
        "Licences\nSupport team",
        [("Licences", Decimal("700.00")), ("Support team", Decimal("300.01"))],
    )
    assert crm.cost.note == "From invoices"
    service_cost_set(service=crm, allocation_rule=AllocationRule.EQUAL, drivers=[])
    assert _stored(crm) == (Decimal("0"), "", [])  # no drivers: nothing stated, one number


def test_every_problem_at_once_by_field(crm):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        service_cost_set(service=crm, allocation_rule="whim", drivers=[{"name": "", "amount": 1}, "row"], note=5)
    assert set(error.value.message_dict) == {"allocation_rule", "drivers", "note"}
    assert error.value.message_dict["drivers"] == [
        "Driver 1: a name is required.",
        "Driver 2: give a name and an amount.",
    ]
    assert _stored(crm)[0] == Decimal("50")


def test_the_rule_owner_and_admins_only(crm, owner):
    assert owner.has_perm("catalog.change_service_cost", crm)
    assert admin_user().has_perm("catalog.change_service_cost", crm)
    assert not service_owner().has_perm("catalog.change_service_cost", crm)
    assert not business_user().has_perm("catalog.change_service_cost", crm)
    assert not owner.has_perm("catalog.change_service_cost", ServiceFactory())


# --- The portal: /costs/services/<slug>/ --------------------------------------------------------

PAGE = "/costs/services/crm/"


def _form(rule="headcount", rows=DRIVERS, note="Invoices 2026", initial=0, **extra):
    data = {
        "cost-allocation_rule": rule,
        "cost-note": note,
        "drivers-TOTAL_FORMS": str(len(rows)),
        "drivers-INITIAL_FORMS": str(initial),
        "drivers-MIN_NUM_FORMS": "0",
        "drivers-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"drivers-{index}-{name}"] = value
    data.update(extra)
    return data


def test_the_page_shows_drivers_and_shares_and_the_form_to_the_owner(client, crm, owner, django_assert_max_num_queries):
    client.force_login(owner)
    with django_assert_max_num_queries(9):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="cost-form"' in html
    assert 'value="Old"' in html  # the stored driver, to change
    assert 'name="drivers-TOTAL_FORMS" value="3"' in html  # one stored, two empty rows to add
    assert reverse("portal:unit_costs", args=["sales"]) in html


def test_a_reader_sees_the_page_without_the_form(client, crm, django_assert_max_num_queries):
    client.force_login(business_user())
    with django_assert_max_num_queries(9):
        html = client.get(PAGE).content.decode()
    assert '<th scope="row">Old</th>' in html
    assert 'data-testid="cost-form"' not in html


def test_the_owner_saves_drivers_and_rule(client, crm, owner):
    client.force_login(owner)
    rows = [{**DRIVERS[0]}, {**DRIVERS[1]}, {"name": "", "amount": "", "quantity": "", "unit_of_measure": ""}]
    response = client.post(PAGE, _form(rows=rows))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert _stored(crm)[0] == Decimal("1000.01")
    _total_is_the_sum(crm)
    crm.cost.refresh_from_db()
    assert (crm.cost.allocation_rule, crm.cost.note) == ("headcount", "Invoices 2026")


def test_a_driver_ticked_delete_is_removed(client, crm, owner):
    client.force_login(owner)
    rows = [{"name": "Old", "amount": "50", "DELETE": "on"}, {"name": "New", "amount": "12.5"}]
    assert client.post(PAGE, _form(rows=rows, initial=1)).status_code == 302
    assert _stored(crm) == (Decimal("12.50"), "New", [("New", Decimal("12.50"))])


@pytest.mark.parametrize("user", [business_user, service_owner])
def test_others_may_not_save(client, crm, user):
    client.force_login(user())
    assert client.post(PAGE, _form()).status_code == 403
    assert _stored(crm)[0] == Decimal("50")


def test_anonymous_visitors_are_sent_to_sign_in(client, crm):
    response = client.post(PAGE, _form())
    assert response.status_code == 302 and "/login" in response["Location"]
    assert _stored(crm)[0] == Decimal("50")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(rows=[{"name": "Licences", "amount": "-1"}]), "Row 1, annual amount: Ensure this value is greater"),
        (_form(rows=[{"name": "", "amount": "10"}]), "Row 1, driver: Give the driver a name."),
        (_form(rows=[{"name": "Licences", "amount": ""}]), "Row 1, annual amount: Give the annual amount."),
        (_form(rows=[{"name": "Licences", "amount": "1.001"}]), "Ensure that there are no more than 2 decimal"),
        (_form(rule="whim"), "Shared out: Select a valid choice."),
        (
            _form(rows=[{"name": "Licences", "amount": "1"}, {"name": "licences", "amount": "2"}]),
            "Row 2, driver: “licences” is named twice.",
        ),
    ],
)
def test_bad_input_is_a_400_with_the_problem_beside_its_field(client, crm, owner, data, message):
    client.force_login(owner)
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _stored(crm) == (Decimal("50.00"), "Old", [("Old", Decimal("50.00"))])


def test_an_unknown_service_is_a_404_in_the_portal(client, owner):
    client.force_login(owner)
    assert client.get("/costs/services/nothing/").status_code == 404
    assert client.post("/costs/services/nothing/", _form()).status_code == 404


# --- The API: PUT /api/v1/costs/services/<slug>/ ------------------------------------------------

URL = "/api/v1/costs/services/crm/"
BODY = {"rule": "headcount", "drivers": DRIVERS, "note": "Invoices 2026"}


def _api(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_the_owner_replaces_the_drivers(crm, owner, django_assert_max_num_queries):
    # The groups; the service; the write (lock, cost, drivers replaced, service and its history:
    # 11 with the savepoints); the answer read as GET reads it (7).
    with django_assert_max_num_queries(22):
        response = _api(owner).put(URL, BODY, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["rule"], body["note"]) == ("1000.01", "headcount", "Invoices 2026")
    assert [d["name"] for d in body["drivers"]] == ["Licences", "Support team"]
    assert {s["unit"]["slug"]: s["amount"] for s in body["shares"]} == {"sales": "750.01", "finance": "250.00"}
    _total_is_the_sum(crm)
    services = _api(owner).get("/api/v1/services/crm/").json()
    assert (services["annual_cost"], services["cost_drivers"]) == ("1000.01", ["Licences", "Support team"])


def test_an_admin_may_too(crm):
    assert _api(admin_user()).put(URL, {"rule": "equal", "drivers": []}, format="json").status_code == 200
    assert _stored(crm) == (Decimal("0"), "", [])


@pytest.mark.parametrize(("user", "status"), [(None, 401), (business_user, 403), (service_owner, 403)])
def test_others_are_refused(crm, user, status):
    response = _api(user() if user else None).put(URL, BODY, format="json")
    assert response.status_code in ((401, 403) if user is None else (status,))
    assert _stored(crm)[0] == Decimal("50")


def test_an_unknown_service_is_a_404_over_the_api(owner):
    assert _api(owner).put("/api/v1/costs/services/nothing/", BODY, format="json").status_code == 404


def test_a_read_only_api_key_may_not_write(crm, owner):
    api = APIClient()
    _, key = api_token_issue(user=owner, name="read", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(URL).status_code == 200
    assert api.put(URL, BODY, format="json").status_code == 403
    assert _stored(crm)[0] == Decimal("50")


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({**BODY, "drivers": [{"name": "A", "amount": "-1"}]}, "drivers.0.amount"),
        ({**BODY, "drivers": [{"name": "", "amount": "1"}]}, "drivers.0.name"),
        ({**BODY, "drivers": [{"name": "A"}]}, "drivers.0.amount"),
        ({**BODY, "drivers": [{"name": "A", "amount": "1.001"}]}, "drivers.0.amount"),
        ({**BODY, "drivers": [{"name": "A", "amount": "NaN"}]}, "drivers.0.amount"),
        ({**BODY, "drivers": [{"name": "A", "amount": "1", "quantity": "-2"}]}, "drivers.0.quantity"),
        ({**BODY, "drivers": [{"name": "A" * 161, "amount": "1"}]}, "drivers.0.name"),
        ({**BODY, "rule": "whim"}, "rule"),
        ({**BODY, "drivers": "Licences"}, "drivers.non_field_errors"),
        ({"drivers": DRIVERS}, "rule"),
        ({**BODY, "drivers": [{"name": "A", "amount": "1"}, {"name": " a ", "amount": "2"}]}, "drivers"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(crm, owner, body, attr):
    response = _api(owner).put(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert attr in [error["attr"] for error in response.json()["errors"]]
    assert _stored(crm) == (Decimal("50.00"), "Old", [("Old", Decimal("50.00"))])


def test_a_duplicate_name_says_which_row(crm, owner):
    body = {**BODY, "drivers": [{"name": "A", "amount": "1"}, {"name": "a", "amount": "2"}]}
    (error,) = _api(owner).put(URL, body, format="json").json()["errors"]
    assert error["detail"] == "Driver 2: “a” is named twice."


# --- The services API and the service forms no longer set the cost -----------------------------


def test_the_services_api_refuses_a_changed_cost_and_takes_it_unchanged(crm, owner):
    api = _api(owner)
    response = api.patch("/api/v1/services/crm/", {"annual_cost": "9999.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "annual_cost"
    assert "PUT /api/v1/costs/services/crm/" in response.json()["errors"][0]["detail"]
    response = api.patch("/api/v1/services/crm/", {"cost_drivers": ["Other"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "cost_drivers"
    unchanged = {"annual_cost": "50.00", "cost_drivers": ["Old"], "summary": "Customers."}
    assert api.patch("/api/v1/services/crm/", unchanged, format="json").status_code == 200
    assert _stored(crm)[0] == Decimal("50")


# --- The admin ----------------------------------------------------------------------------------


def _admin_form(service=None, rows=(), *, rule="headcount", initial=()):
    data = {
        "allocation_rule": rule,
        "note": "From the admin",
        "drivers-TOTAL_FORMS": str(len(rows) + len(initial)),
        "drivers-INITIAL_FORMS": str(len(initial)),
        "drivers-MIN_NUM_FORMS": "0",
        "drivers-MAX_NUM_FORMS": "1000",
    }
    if service is not None:
        data["service"] = service.pk
    for index, driver in enumerate(initial):
        data.update(
            {
                f"drivers-{index}-id": driver.pk,
                f"drivers-{index}-service_cost": driver.service_cost_id,
                f"drivers-{index}-name": driver.name,
                f"drivers-{index}-amount": str(driver.amount),
                f"drivers-{index}-position": driver.position,
            }
        )
    for index, row in enumerate(rows, start=len(initial)):
        for name, value in row.items():
            data[f"drivers-{index}-{name}"] = value
    return data


def test_an_admin_adds_a_cost_with_its_drivers(client):
    service = ServiceFactory(annual_cost=0, cost_drivers="")
    client.force_login(admin_user())
    response = client.post(reverse("admin:catalog_servicecost_add"), _admin_form(service, DRIVERS))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _stored(service)[0] == Decimal("1000.01")
    _total_is_the_sum(service)
    assert ServiceCost.objects.get(service=service).allocation_rule == "headcount"


def test_the_owner_changes_their_cost_in_the_admin(client, crm, owner):
    client.force_login(owner)
    url = reverse("admin:catalog_servicecost_change", args=[crm.cost.pk])
    assert client.get(url).status_code == 200
    old = crm.cost.drivers.get()
    data = _admin_form(rows=[{"name": "New", "amount": "10", "position": "2"}], initial=[old])
    data["drivers-0-amount"] = "20"
    assert client.post(url, data).status_code == 302
    assert _stored(crm) == (Decimal("30.00"), "Old\nNew", [("Old", Decimal("20.00")), ("New", Decimal("10.00"))])


def test_the_admin_refuses_a_name_twice_and_saves_nothing(client, crm, owner):
    client.force_login(owner)
    url = reverse("admin:catalog_servicecost_change", args=[crm.cost.pk])
    data = _admin_form(rows=[{"name": "OLD", "amount": "10"}], initial=[crm.cost.drivers.get()])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Driver 2: “Old” is named twice." in response.content.decode()  # OLD, with no position, comes first
    assert _stored(crm) == (Decimal("50.00"), "Old", [("Old", Decimal("50.00"))])


def test_another_owner_cannot_reach_the_cost_in_the_admin(client, crm):
    other = service_owner(is_staff=True)
    ServiceFactory(service_owner=other)
    client.force_login(other)
    url = reverse("admin:catalog_servicecost_change", args=[crm.cost.pk])
    assert client.get(url).status_code in (302, 403, 404)
    assert client.post(url, _admin_form(rows=DRIVERS)).status_code in (302, 403, 404)
    assert _stored(crm)[0] == Decimal("50")
    listing = client.get(reverse("admin:catalog_servicecost_changelist"))
    assert listing.status_code == 200 and "CRM" not in listing.content.decode()


def test_the_service_admin_shows_the_cost_read_only(client, crm):
    client.force_login(admin_user(is_superuser=True))
    html = client.get(reverse("admin:catalog_service_change", args=[crm.pk])).content.decode()
    assert 'name="annual_cost"' not in html and 'name="cost_drivers"' not in html
    assert reverse("admin:catalog_servicecost_change", args=[crm.cost.pk]) in html


# --- The migration that made the drivers the one source -----------------------------------------


def test_the_migration_turns_stated_figures_into_drivers():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("catalog.migrations.0014_annual_cost_from_drivers")
    one_line = ServiceFactory(annual_cost=500, cost_drivers="- Licences")
    lines = ServiceFactory(annual_cost=900, cost_drivers="Licences\nSupport")
    words_only = ServiceFactory(annual_cost=0, cost_drivers="Goodwill")
    nothing = ServiceFactory(annual_cost=0, cost_drivers="")
    stale = ServiceFactory(annual_cost=1, cost_drivers="Whatever")
    service_cost_set(service=stale, allocation_rule="equal", drivers=[{"name": "Real", "amount": 7}])
    Service.objects.filter(pk=stale.pk).update(annual_cost=1, cost_drivers="Whatever")

    migration.forwards(apps, None)

    assert _stored(one_line) == (Decimal("500.00"), "Licences", [("Licences", Decimal("500.00"))])
    assert _stored(lines) == (
        Decimal("900.00"),
        "Annual cost (not itemised)",
        [("Annual cost (not itemised)", Decimal("900.00"))],
    )
    assert "Described before the drivers were itemised: Licences; Support." in lines.cost.note
    assert _stored(words_only) == (Decimal("0"), "", [])
    assert "Goodwill" in ServiceCost.objects.get(service=words_only).note
    assert _stored(nothing) == (Decimal("0"), "", []) and not ServiceCost.objects.filter(service=nothing).exists()
    assert _stored(stale) == (Decimal("7.00"), "Real", [("Real", Decimal("7.00"))])


def test_options_describes_the_put(crm, owner):
    """OPTIONS looks the service up before describing the PUT (it was a 500 without a queryset)."""
    assert _api(owner).options(URL).status_code == 200
    assert _api(owner).options("/api/v1/costs/services/nothing/").status_code == 200
