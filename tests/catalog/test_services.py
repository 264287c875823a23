"""Writing services: create, update, dependencies. Bad input is refused with field
messages and leaves nothing behind."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import Lifecycle, Service, ServiceDependency
from tests.factories import BusinessUnitFactory, CategoryFactory, ServiceFactory, service_owner

pytestmark = pytest.mark.django_db


def _create(**fields) -> Service:
    fields.setdefault("category", CategoryFactory())
    fields.setdefault("summary", "Keeps mail flowing.")
    return services.service_create(actor=fields.pop("actor", None) or service_owner(), **fields)


def _messages(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def _dependencies(service: Service) -> set[str]:
    return set(service.dependency_links.values_list("depends_on__name", flat=True))


# --- service_create -----------------------------------------------------------------


def test_create_derives_the_slug_from_the_name_and_the_owner_from_the_actor():
    owner = service_owner()
    units = BusinessUnitFactory.create_batch(2)
    dependency = ServiceFactory()
    service = _create(actor=owner, name="Email & Calendars", business_units=units, depends_on=[dependency])
    stored = Service.objects.get(pk=service.pk)
    assert stored.slug == "email-calendars"
    assert stored.service_owner == owner
    assert set(stored.business_units.all()) == set(units)
    assert list(stored.depends_on.all()) == [dependency]
    assert (stored.lifecycle, stored.criticality, stored.annual_cost) == (Lifecycle.PROPOSED, 3, Decimal("0"))


def test_create_keeps_a_given_slug_and_owner():
    other = service_owner()
    service = _create(name="Email", slug="mail", service_owner=other)
    assert (service.slug, service.service_owner) == ("mail", other)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": "Email"}, "name"),
        ({"name": "Webmail", "slug": "email"}, "slug"),
        ({"name": "EMAIL!"}, "slug"),  # a different name with the same slug
    ],
)
def test_create_refuses_a_duplicate_name_or_slug(given, field):
    existing = _create(name="Email")
    with pytest.raises(ValidationError) as excinfo:
        _create(**given)
    assert _messages(excinfo)[field] == [f"Service with this {field.capitalize()} already exists."]
    assert list(Service.objects.all()) == [existing]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("criticality", 0, "Value 0 is not a valid choice."),
        ("criticality", 5, "Value 5 is not a valid choice."),
        ("name", "", "This field cannot be blank."),
        ("summary", "x" * 241, "Ensure this value has at most 240 characters (it has 241)."),
        ("lifecycle", "dead", "Value 'dead' is not a valid choice."),
    ],
)
def test_create_refuses_invalid_fields_and_writes_nothing(field, value, message):
    unit, dependency = BusinessUnitFactory(), ServiceFactory()
    fields = {"name": "Email", field: value}
    with pytest.raises(ValidationError) as excinfo:
        _create(business_units=[unit], depends_on=[dependency], **fields)
    assert message in _messages(excinfo)[field]
    assert list(Service.objects.all()) == [dependency]
    assert not ServiceDependency.objects.exists()
    assert not unit.services.exists()


def test_create_refuses_a_name_with_nothing_to_make_a_slug_of():
    with pytest.raises(ValidationError) as excinfo:
        _create(name="!!!")
    assert "slug" in _messages(excinfo)
    assert not Service.objects.exists()


def test_create_refuses_unknown_fields():
    with pytest.raises(TypeError, match="Unknown fields: colour"):
        _create(name="Email", colour="blue")


@pytest.mark.parametrize("operation", ["create", "update"])
def test_a_name_taken_between_validation_and_save_is_a_validation_error(monkeypatch, operation):
    existing = ServiceFactory(name="Email", slug="email")
    service = ServiceFactory(name="Webmail", slug="webmail")
    # Another request took the name after this one's full_clean(): skip the check here.
    full_clean = Service.full_clean
    monkeypatch.setattr(Service, "full_clean", lambda self, **kw: full_clean(self, validate_unique=False))
    with pytest.raises(ValidationError) as excinfo:
        if operation == "create":
            _create(name="Email")
        else:
            services.service_update(service=service, name="Email", slug="email")
    assert _messages(excinfo)["name"] == ["Service with this Name already exists."]
    assert set(Service.objects.values_list("name", flat=True)) == {existing.name, "Webmail"}


@pytest.mark.parametrize("fields", [{"annual_cost": Decimal("10.50")}, {"cost_drivers": "Licences"}])
def test_the_cost_is_not_set_with_the_service(fields):
    """They follow the cost drivers (catalog.costs.services.service_cost_set)."""
    service = ServiceFactory(annual_cost=100, cost_drivers="Support")
    with pytest.raises(TypeError, match="Unknown fields"):
        services.service_update(service=service, **fields)
    with pytest.raises(TypeError, match="Unknown fields"):
        _create(name="Webmail", **fields)
    stored = Service.objects.get(pk=service.pk)
    assert (stored.annual_cost, stored.cost_drivers) == (100, "Support")


# --- service_update -----------------------------------------------------------------


def test_update_changes_only_the_given_fields():
    service = ServiceFactory(name="Email", slug="email", criticality=2)
    services.service_update(service=service, summary="Mail for all.", criticality=1)
    stored = Service.objects.get(pk=service.pk)
    assert (stored.summary, stored.criticality, stored.annual_cost) == ("Mail for all.", 1, service.annual_cost)
    assert (stored.name, stored.slug) == ("Email", "email")  # renaming is explicit, the slug stays
    assert stored.updated_at > service.created_at


def test_update_replaces_business_units_only_when_given():
    first, second = BusinessUnitFactory(), BusinessUnitFactory()
    service = ServiceFactory(business_units=[first])
    services.service_update(service=service, summary="Still mail.")
    assert list(service.business_units.all()) == [first]
    services.service_update(service=service, business_units=[second])
    assert list(service.business_units.all()) == [second]
    services.service_update(service=service, business_units=[])
    assert not service.business_units.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"criticality": 9}, "criticality"),
        ({"name": "Taken"}, "name"),
        ({"slug": "taken"}, "slug"),
    ],
)
def test_update_refuses_invalid_fields_and_writes_nothing(fields, field):
    ServiceFactory(name="Taken", slug="taken")
    service = ServiceFactory(name="Email", slug="email", criticality=2, annual_cost=100)
    with pytest.raises(ValidationError) as excinfo:
        services.service_update(service=service, summary="Changed", **fields)
    assert field in _messages(excinfo)
    stored = Service.objects.get(pk=service.pk)
    assert (stored.name, stored.slug, stored.summary, stored.criticality, stored.annual_cost) == (
        "Email",
        "email",
        "Keeps the business running.",
        2,
        Decimal("100"),
    )


def test_update_with_a_dependency_cycle_rolls_back_the_field_changes():
    a, b = ServiceFactory(name="A"), ServiceFactory(name="B")
    services.service_dependencies_set(service=b, depends_on=[a])
    with pytest.raises(ValidationError, match="cycle"):
        services.service_update(service=a, summary="Changed", business_units=[BusinessUnitFactory()], depends_on=[b])
    stored = Service.objects.get(pk=a.pk)
    assert stored.summary == "Keeps the business running."
    assert not stored.business_units.exists()
    assert not _dependencies(stored)


# --- Dependencies -------------------------------------------------------------------


def test_a_service_cannot_depend_on_itself():
    service = ServiceFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.service_dependencies_set(service=service, depends_on=[service])
    assert _messages(excinfo) == {"depends_on": ["A service cannot depend on itself."]}


def test_a_direct_cycle_is_refused_and_named():
    a, b = ServiceFactory(name="Email"), ServiceFactory(name="Directory")
    services.service_dependencies_set(service=a, depends_on=[b])
    with pytest.raises(ValidationError) as excinfo:
        services.service_dependencies_set(service=b, depends_on=[a])
    assert _messages(excinfo) == {
        "depends_on": ["This would create a dependency cycle: Directory → Email → Directory."]
    }
    assert not _dependencies(b)


def test_an_indirect_cycle_is_refused_and_named():
    a, b, c, d = (ServiceFactory(name=name) for name in ("A", "B", "C", "D"))
    services.service_dependencies_set(service=a, depends_on=[b])
    services.service_dependencies_set(service=b, depends_on=[c])
    services.service_dependencies_set(service=c, depends_on=[d])
    with pytest.raises(ValidationError) as excinfo:
        services.service_dependencies_set(service=d, depends_on=[ServiceFactory(name="E"), a])
    assert _messages(excinfo)["depends_on"] == ["This would create a dependency cycle: D → A → B → C → D."]
    assert not _dependencies(d)


def test_shared_dependencies_are_not_cycles():
    # A diamond: A needs B and C, both need D.
    a, b, c, d = (ServiceFactory(name=name) for name in ("A", "B", "C", "D"))
    services.service_dependencies_set(service=b, depends_on=[d])
    services.service_dependencies_set(service=c, depends_on=[d])
    services.service_dependencies_set(service=a, depends_on=[b, c, d])
    assert _dependencies(a) == {"B", "C", "D"}


def test_setting_dependencies_replaces_the_set():
    a = ServiceFactory(name="A")
    b, c, d = (ServiceFactory(name=name) for name in ("B", "C", "D"))
    services.service_dependencies_set(service=a, depends_on=[b, c])
    services.service_dependencies_set(service=a, depends_on=[c, d, d])
    assert _dependencies(a) == {"C", "D"}
    services.service_dependencies_set(service=a, depends_on=[])
    assert not _dependencies(a)


def test_replacing_dependencies_can_remove_an_edge_that_would_close_a_cycle():
    # A needs B now; making B need A is a cycle, but A dropping B first is fine.
    a, b = ServiceFactory(name="A"), ServiceFactory(name="B")
    services.service_dependencies_set(service=a, depends_on=[b])
    services.service_dependencies_set(service=a, depends_on=[])
    services.service_dependencies_set(service=b, depends_on=[a])
    assert _dependencies(b) == {"A"}


def test_dependency_changes_are_recorded_in_history():
    a, b = ServiceFactory(name="A"), ServiceFactory(name="B")
    services.service_dependencies_set(service=a, depends_on=[b])
    services.service_dependencies_set(service=a, depends_on=[])
    assert list(ServiceDependency.history.order_by("history_id").values_list("history_type", flat=True)) == [
        "+",
        "-",
    ]
