import pytest

from tests.factories import (
    AgreementFactory,
    BusinessUnitFactory,
    ServiceFactory,
    admin_user,
    business_user,
    representative,
    service_owner,
)
from tests.portal.helpers import agree


@pytest.fixture
def unit():
    return BusinessUnitFactory(name="Finance", slug="finance")


@pytest.fixture
def owner():
    return service_owner(first_name="Olive", last_name="Owner")


@pytest.fixture
def rep(unit):
    return representative(unit, first_name="Rita", last_name="Rep")


@pytest.fixture
def reader():
    return business_user(first_name="Bea", last_name="Reader")


@pytest.fixture
def admin():
    return admin_user(first_name="Ada", last_name="Admin")


@pytest.fixture
def service(owner, unit):
    return ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[unit])


@pytest.fixture
def agreed(service, unit, owner, rep):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner, scope="Weekdays 9 to 5.")
    return agree(draft, it=owner, business=rep)
