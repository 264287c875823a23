import pytest
from rest_framework.test import APIClient

from catalog import services
from tests import factories as f


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def world(db):
    """One service with an agreement in force, a proposed next version, a draft for
    another unit, and the people around it."""
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    other_unit = f.BusinessUnitFactory(name="Sales", slug="sales")
    owner = f.service_owner(username="owner")
    other_owner = f.service_owner(username="other-owner")
    rep = f.representative(unit, username="rep")
    reader = f.business_user(username="reader")
    admin = f.admin_user(username="admin")
    service = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[unit, other_unit])
    f.ServiceFactory(name="Other", slug="other", service_owner=other_owner)

    v1 = services.agreement_draft_create(
        service=service,
        business_unit=unit,
        actor=owner,
        scope="Pay everyone on time.",
        effective_from="2026-01-01",
        review_by="2027-01-01",
    )
    services.agreement_propose(agreement=v1, actor=owner)
    services.agreement_sign(agreement=v1, actor=owner)
    services.agreement_sign(agreement=v1, actor=rep)
    v2 = services.agreement_draft_create(
        service=service, business_unit=unit, actor=owner, scope="Pay everyone on time, every time."
    )
    services.agreement_propose(agreement=v2, actor=owner)
    draft = services.agreement_draft_create(
        service=service,
        business_unit=other_unit,
        actor=owner,
        scope="Commission runs.",
        effective_from="2026-02-01",
        review_by="2027-02-01",
    )
    for agreement in (v1, v2, draft):
        agreement.refresh_from_db()
    return {
        "unit": unit,
        "other_unit": other_unit,
        "service": service,
        "agreed": v1,
        "proposed": v2,
        "draft": draft,
        "users": {
            "anonymous": None,
            "reader": reader,
            "rep": rep,
            "other_owner": other_owner,
            "owner": owner,
            "admin": admin,
        },
    }


def login(api, user):
    if user is not None:
        api.force_login(user)
    return api
