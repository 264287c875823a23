import pytest

from tests.factories import (
    BusinessUnitFactory,
    CategoryFactory,
    MembershipFactory,
    ServiceFactory,
    admin_user,
    business_user,
    representative,
    service_owner,
)


@pytest.fixture
def world(db):
    """A unit IT lists for three services, a fourth it does not, its representative and a
    member, an IT person and the catalogue's manager (an admin)."""
    manager = admin_user(username="a-manager")
    unit = BusinessUnitFactory(name="Sales", slug="sales")
    other_unit = BusinessUnitFactory(name="Finance", slug="finance")
    rep = representative(unit)
    member = business_user()
    MembershipFactory(user=member, business_unit=unit)
    it = service_owner()
    category = CategoryFactory(name="Business applications")
    crm, mail, phones = (ServiceFactory(name=n, business_units=[unit]) for n in ("CRM", "E-mail", "Phones"))
    wiki = ServiceFactory(name="Wiki", business_units=[other_unit])
    return {
        "manager": manager,
        "unit": unit,
        "other_unit": other_unit,
        "rep": rep,
        "member": member,
        "it": it,
        "category": category,
        "crm": crm,
        "mail": mail,
        "phones": phones,
        "wiki": wiki,
    }
