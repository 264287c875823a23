"""Adding and editing services through the portal's forms."""

import pytest

from catalog import services
from catalog.models import Service, ServiceDependency
from tests.factories import BusinessUnitFactory, CategoryFactory, ServiceFactory, business_user, service_owner

pytestmark = pytest.mark.django_db


def _form_data(**overrides):
    category = overrides.pop("category", None) or CategoryFactory()
    data = {
        "name": "Video meetings",
        "slug": "",
        "category": category.pk,
        "summary": "Meet anyone, anywhere, on any device.",
        "description": "Calls with **video**.",
        "how_to_request": "It is on every laptop.",
        "lifecycle": "live",
        "criticality": "2",
        "keywords": "calls, zoom",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_service_owner_adds_a_service_and_owns_it(client, owner):
    unit = BusinessUnitFactory()
    base = ServiceFactory(name="Network")
    client.force_login(owner)
    page = client.get("/services/new/")
    assert page.status_code == 200
    assert "<h1>Add a service</h1>" in page.content.decode()
    assert 'name="service_owner"' not in page.content.decode()  # owners add services for themselves

    response = client.post("/services/new/", _form_data(business_units=[unit.pk], depends_on=[base.pk]))
    created = Service.objects.get(name="Video meetings")
    assert response.status_code == 302 and response.url == "/services/video-meetings/"
    assert created.service_owner == owner
    assert list(created.business_units.all()) == [unit]
    assert list(created.depends_on.all()) == [base]
    assert "is now in the catalogue" in client.get(response.url).content.decode()


def test_admin_chooses_the_owner(client, admin):
    new_owner = service_owner()
    client.force_login(admin)
    assert 'name="service_owner"' in client.get("/services/new/").content.decode()
    response = client.post("/services/new/", _form_data(service_owner=new_owner.pk, slug="video"))
    assert response.status_code == 302
    assert Service.objects.get(slug="video").service_owner == new_owner


def test_business_user_may_not_add_services(client, reader):
    client.force_login(reader)
    for response in (client.get("/services/new/"), client.post("/services/new/", _form_data())):
        assert response.status_code == 403
        assert "Only service owners and admins may add services to the catalogue." in response.content.decode()
    assert not Service.objects.filter(name="Video meetings").exists()


def test_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get("/services/new/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "payroll"}, "slug", "Service with this Slug already exists."),
        ({"name": "Payroll", "slug": "other"}, "name", "Service with this Name already exists."),
        ({"summary": ""}, "summary", "This field is required."),
        ({"criticality": "9"}, "criticality", "Select a valid choice."),
    ],
)
def test_bad_input_shows_form_errors_and_adds_nothing(client, owner, service, overrides, field, message):
    client.force_login(owner)
    count = Service.objects.count()
    response = client.post("/services/new/", _form_data(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert f'href="#id_{field}"' in html  # the summary links to the field
    assert Service.objects.count() == count


def test_a_slug_made_from_a_taken_name_is_reported(client, owner):
    ServiceFactory(name="Old payroll", slug="video-meetings")
    client.force_login(owner)
    response = client.post("/services/new/", _form_data())
    assert response.status_code == 200
    assert "Service with this Slug already exists." in response.content.decode()
    assert not Service.objects.filter(name="Video meetings").exists()


def test_owner_edits_their_service(client, owner, service):
    client.force_login(owner)
    page = client.get("/services/payroll/edit/")
    assert page.status_code == 200 and "<h1>Edit Payroll</h1>" in page.content.decode()
    data = _form_data(name="Payroll", slug="payroll", category=service.category, summary="Pays people on time.")
    response = client.post("/services/payroll/edit/", data)
    assert response.status_code == 302 and response.url == "/services/payroll/"
    service.refresh_from_db()
    assert service.summary == "Pays people on time."
    assert service.service_owner == owner


def test_dependency_cycle_is_a_form_error_and_nothing_changes(client, owner, service):
    directory = ServiceFactory(name="Directory", slug="directory", service_owner=owner)
    services.service_dependencies_set(service=service, depends_on=[directory])  # payroll needs the directory
    client.force_login(owner)
    data = _form_data(
        name="Directory", slug="directory", category=directory.category, summary="Changed too.", depends_on=[service.pk]
    )
    response = client.post("/services/directory/edit/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This would create a dependency cycle: Directory → Payroll → Directory." in html
    directory.refresh_from_db()
    assert directory.summary == "Keeps the business running."  # nothing half-written
    assert not ServiceDependency.objects.filter(service=directory).exists()
    assert "<h1>Edit Directory</h1>" in html


def test_other_people_may_not_edit_a_service(client, service):
    for user in (business_user(), service_owner()):
        client.force_login(user)
        response = client.post("/services/payroll/edit/", _form_data(name="Hijacked", category=service.category))
        assert response.status_code == 403
        assert "Only the owner of “Payroll” or an admin may edit it." in response.content.decode()
    service.refresh_from_db()
    assert service.name == "Payroll"


def test_admin_may_edit_any_service(client, admin, service):
    client.force_login(admin)
    data = _form_data(
        name="Payroll",
        slug="payroll",
        category=service.category,
        service_owner=service.service_owner_id,
        summary="Pay for all.",
    )
    assert client.post("/services/payroll/edit/", data).status_code == 302
    service.refresh_from_db()
    assert service.summary == "Pay for all."


def test_people_are_offered_by_name(client, admin, owner):
    client.force_login(admin)
    html = client.get("/services/new/").content.decode()
    assert f'<option value="{owner.pk}">Olive Owner ({owner.username})</option>' in html
