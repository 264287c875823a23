"""Drafting an agreement version in the browser: choosing the business unit reloads its terms in
force in place (htmx), and the draft is created with what was typed."""

import pytest
from playwright.sync_api import expect

from catalog.models import Agreement, AgreementStatus
from tests.browser.signals import wait_for_htmx
from tests.factories import AgreementFactory, BusinessUnitFactory, ServiceFactory, representative, service_owner
from tests.portal.helpers import agree

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def payroll():
    finance = BusinessUnitFactory(name="Finance", slug="finance")
    sales = BusinessUnitFactory(name="Sales", slug="sales")
    owner = service_owner(first_name="Olive", last_name="Owner")
    service = ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[finance, sales])
    for unit, scope in ((finance, "Weekdays 9 to 5."), (sales, "Around the clock.")):
        draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner, scope=scope)
        agree(draft, it=owner, business=representative(unit))
    return {"service": service, "owner": owner, "sales": sales}


def test_drafting_a_version_for_another_unit_starts_from_its_terms(page, sign_in, payroll):
    sign_in(payroll["owner"])
    page.goto("/services/payroll/")
    page.get_by_role("link", name="Draft new agreement version").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Draft a new agreement version")
    form = page.locator("#agreement-form")
    scope = form.get_by_role("textbox", name="Scope")
    expect(form.locator(".notice")).to_have_text("For: Finance")
    expect(scope).to_have_value("Weekdays 9 to 5.")
    page.evaluate("window.stillTheSamePage = true")
    wait_for_htmx(page)

    page.get_by_role("combobox", name="Business unit").select_option(label="Sales")

    expect(form.locator(".notice")).to_have_text("For: Sales")
    expect(scope).to_have_value("Around the clock.")
    expect(page).to_have_url("/services/payroll/agreements/new/?business_unit=sales")
    assert page.evaluate("window.stillTheSamePage") is True

    scope.fill("Around the clock, weekends included.")
    form.get_by_role("button", name="Create draft").click()

    expect(page.get_by_role("status")).to_have_text("Version 2 is drafted. Propose it when it is ready.")
    draft = Agreement.objects.get(service=payroll["service"], status=AgreementStatus.DRAFT)
    expect(page).to_have_url(f"/agreements/{draft.pk}/")
    assert (draft.business_unit, draft.version) == (payroll["sales"], 2)
    assert draft.scope == "Around the clock, weekends included."
