import pytest

from catalog.models import Lifecycle, Service, ServiceDependency
from tests import factories as f
from tests.api.conftest import login

pytestmark = pytest.mark.django_db


def test_list_shows_services_with_their_owners_and_units(api):
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    f.ServiceFactory(name="Payroll", slug="payroll", business_units=[unit])
    body = api.get("/api/v1/services/").json()
    assert body["count"] == 1
    service = body["results"][0]
    assert service["slug"] == "payroll"
    assert service["business_units"] == [{"slug": "finance", "name": "Finance"}]
    assert service["service_owner"]["username"]
    assert service["portal_url"] == "/services/payroll/"
    assert service["keywords"] == ["alpha", "beta"]


def test_filters_by_category_business_unit_lifecycle_and_text(api):
    finance = f.BusinessUnitFactory(slug="finance")
    hr = f.CategoryFactory(slug="people")
    f.ServiceFactory(slug="payroll", name="Payroll", category=hr, business_units=[finance], keywords="salary, pay")
    f.ServiceFactory(slug="email", name="E-mail", lifecycle=Lifecycle.RETIRING, summary="Mail for everyone.")
    f.ServiceFactory(slug="fax", name="Fax", lifecycle=Lifecycle.RETIRED)

    def slugs(query):
        response = api.get(f"/api/v1/services/?{query}")
        assert response.status_code == 200, response.content
        return sorted(s["slug"] for s in response.json()["results"])

    assert slugs("category=people") == ["payroll"]
    assert slugs("business_unit=finance") == ["payroll"]
    assert slugs("lifecycle=retiring&lifecycle=retired") == ["email", "fax"]
    assert slugs("q=salary") == ["payroll"]
    assert slugs("q=mail everyone") == ["email"]
    assert slugs("q=mail nobody") == []


def test_unknown_filter_value_is_a_400_naming_the_field(api):
    response = api.get("/api/v1/services/?lifecycle=sunset")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "lifecycle"
    assert "sunset" in error["detail"]


def test_pagination(api):
    f.ServiceFactory.create_batch(3)
    body = api.get("/api/v1/services/?page_size=2").json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


def test_detail_renders_markdown_safely_and_lists_dependencies(api):
    base = f.ServiceFactory(slug="network", name="Network")
    service = f.ServiceFactory(slug="email", description="**Fast**<script>alert(1)</script>")
    ServiceDependency.objects.create(service=service, depends_on=base)
    body = api.get("/api/v1/services/email/").json()
    assert "<strong>Fast</strong>" in body["description_html"]
    assert "<script>" not in body["description_html"]
    assert body["depends_on"] == [{"slug": "network", "name": "Network"}]
    assert api.get("/api/v1/services/network/").json()["dependents"] == [{"slug": "email", "name": service.name}]


def test_owner_creates_a_service_and_owns_it(api):
    owner = f.service_owner(username="olivia")
    category = f.CategoryFactory(slug="workplace")
    unit = f.BusinessUnitFactory(slug="sales")
    dep = f.ServiceFactory(slug="network")
    response = login(api, owner).post(
        "/api/v1/services/",
        {
            "name": "Video meetings",
            "category": "workplace",
            "summary": "Meet anyone, anywhere.",
            "business_units": ["sales"],
            "depends_on": ["network"],
            "keywords": ["video", "calls"],
            "cost_drivers": [],
            "annual_cost": "0.00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "video-meetings"
    assert body["service_owner"]["username"] == "olivia"
    service = Service.objects.get(slug="video-meetings")
    assert service.category == category
    assert list(service.business_units.all()) == [unit]
    assert list(service.depends_on.all()) == [dep]
    assert service.keywords == "video, calls"
    assert (service.annual_cost, service.cost_driver_list) == (0, [])


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"name": "", "category": "c", "summary": "x"}, "name"),
        ({"name": "A", "category": "nope", "summary": "x"}, "category"),
        ({"name": "A", "category": "c", "summary": "x", "criticality": 7}, "criticality"),
        ({"name": "A", "category": "c", "summary": "x", "annual_cost": "-5"}, "annual_cost"),
        ({"name": "A", "category": "c", "summary": "x", "annual_cost": "25000"}, "annual_cost"),
        ({"name": "A", "category": "c", "summary": "x", "cost_drivers": ["Licences"]}, "cost_drivers"),
        ({"name": "A", "category": "c", "summary": "x", "lifecycle": "zombie"}, "lifecycle"),
        ({"name": "A", "category": "c", "summary": "x", "depends_on": ["ghost"]}, "depends_on"),
        ({"name": "A", "category": "c", "summary": "x", "keywords": 5}, "keywords"),
        ({"name": "Taken", "category": "c", "summary": "x"}, "name"),
        ({"name": "B", "slug": "taken", "category": "c", "summary": "x"}, "slug"),
    ],
)
def test_bad_service_input_is_a_400_naming_the_field_and_writes_nothing(api, payload, attr):
    f.CategoryFactory(slug="c")
    f.ServiceFactory(name="Taken", slug="taken")
    before = Service.objects.count()
    response = login(api, f.service_owner()).post("/api/v1/services/", payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert attr in [e["attr"] for e in body["errors"]]
    assert Service.objects.count() == before


def test_dependency_cycle_is_refused_with_the_cycle_named(api):
    owner = f.service_owner()
    a = f.ServiceFactory(slug="a", name="Alpha", service_owner=owner)
    b = f.ServiceFactory(slug="b", name="Bravo")
    ServiceDependency.objects.create(service=b, depends_on=a)
    response = login(api, owner).patch("/api/v1/services/a/", {"depends_on": ["b"], "summary": "New words"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["attr"] == "depends_on"
    assert "cycle" in error["detail"] and "Alpha" in error["detail"] and "Bravo" in error["detail"]
    a.refresh_from_db()
    assert a.summary != "New words"  # nothing half-written
    assert not a.depends_on.exists()


def test_only_admins_give_a_service_to_another_owner(api):
    owner = f.service_owner(username="owner")
    f.service_owner(username="someone-else")
    f.ServiceFactory(slug="s", service_owner=owner)
    response = login(api, owner).patch("/api/v1/services/s/", {"service_owner": "someone-else"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "service_owner"
    response = login(api, f.admin_user()).patch("/api/v1/services/s/", {"service_owner": "someone-else"})
    assert response.status_code == 200
    assert response.json()["service_owner"]["username"] == "someone-else"


@pytest.mark.parametrize("count", [10, 100])
def test_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries, count):
    units = f.BusinessUnitFactory.create_batch(3)
    for _ in range(count):
        f.ServiceFactory(business_units=units)
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/services/?page_size=500")
    assert len(response.json()["results"]) == count


def test_categories_count_services_that_are_not_retired(api):
    category = f.CategoryFactory(slug="c")
    f.ServiceFactory(category=category)
    f.ServiceFactory(category=category, lifecycle=Lifecycle.RETIRED)
    body = api.get("/api/v1/categories/").json()
    assert body["results"][0]["service_count"] == 1
