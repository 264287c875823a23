"""Catalogue alignment and the cost page in a real browser: a unit's representative marks the
services it receives and tells IT about one the catalogue lacks; IT answers it; the unit sees the
answer and the share of agreement drawn; a unit's cost page."""

import pytest
from playwright.sync_api import expect

from catalog.alignment import answers, services
from catalog.costs.models import AllocationRule
from catalog.costs.services import service_cost_set
from catalog.models import MissingServiceRequest
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def unit_world():
    unit = f.BusinessUnitFactory(name="Sales", slug="sales", headcount=30)
    other = f.BusinessUnitFactory(name="Finance", slug="finance", headcount=10)
    rep = f.representative(unit, username="rep")
    it = f.service_owner(username="it-person")
    f.admin_user(username="catalogue-manager")
    category = f.CategoryFactory(name="Sales systems", slug="sales-systems")
    crm = f.ServiceFactory(name="CRM", slug="crm", category=category, business_units=[unit, other])
    f.ServiceFactory(name="E-mail", slug="e-mail", category=category, business_units=[unit], annual_cost=0)
    f.ServiceFactory(name="Wiki", slug="wiki", category=category, business_units=[other])
    return {"unit": unit, "rep": rep, "it": it, "crm": crm}


def test_a_unit_marks_its_services_asks_for_a_missing_one_and_it_answers(page, sign_in, unit_world):
    sign_in(unit_world["rep"])
    page.goto("/alignment/units/sales/")
    page.get_by_role("link", name="Mark the services Sales receives").click()
    page.get_by_label("CRM").check()
    page.get_by_label("Wiki").check()
    page.get_by_role("button", name="Save Sales’s list").click()
    expect(page.get_by_test_id("alignment-agreed")).to_contain_text("CRM")
    expect(page.get_by_test_id("alignment-it-only")).to_contain_text("E-mail")
    expect(page.get_by_test_id("alignment-unit-only")).to_contain_text("Wiki")
    expect(page.get_by_test_id("alignment-share")).to_contain_text("33%")

    page.get_by_role("link", name="Tell IT what the catalogue lacks").click()
    page.get_by_label("What do you rely on?").fill("Delivery rota spreadsheet")
    page.get_by_label("We run it ourselves (e.g. a spreadsheet someone maintains)").check()
    page.get_by_label("People who rely on it (optional)").fill("40")
    page.get_by_role("button", name="Send to IT").click()
    expect(page.get_by_test_id("alignment-open-requests")).to_contain_text("Delivery rota spreadsheet")
    expect(page.locator("canvas[data-chart='chart-alignment-data']")).to_have_attribute("data-chart-state", "drawn")
    request = MissingServiceRequest.objects.get()

    page.context.clear_cookies()
    sign_in(unit_world["it"])
    page.goto(f"/alignment/requests/{request.pk}/")
    page.get_by_label("Add it to the catalogue (a proposed service, owned by you)").check()
    page.get_by_label("Category of the new service").select_option(label="Sales systems")
    page.get_by_role("button", name="Answer").click()
    expect(page.get_by_test_id("request-state")).to_have_text("Added to the catalogue")
    expect(page.get_by_test_id("request-answer")).to_contain_text("Delivery rota spreadsheet")

    page.context.clear_cookies()
    sign_in(unit_world["rep"])
    page.goto("/alignment/units/sales/")
    expect(page.get_by_test_id("alignment-answered-requests")).to_contain_text("Added to the catalogue")
    expect(page.get_by_test_id("alignment-agreed")).to_contain_text("Delivery rota spreadsheet")


def test_it_corrects_an_answer_and_the_unit_reads_why(page, sign_in, unit_world, watch):
    request = services.missing_service_request_create(
        unit=unit_world["unit"], actor=unit_world["rep"], title="Delivery rota", source="run"
    )
    answers.missing_service_request_answer(
        request=request, actor=unit_world["it"], outcome="declined", answer="Not something IT runs."
    )
    sign_in(unit_world["it"])
    page.goto(f"/alignment/requests/{request.pk}/")
    page.get_by_role("link", name="Correct the answer").click()
    page.get_by_label("It already lives in the catalogue: link the service").check()
    page.get_by_label("Where it already lives").select_option(label="CRM")
    page.get_by_label("Explanation or reason").fill("The CRM has a rota module.")
    page.get_by_role("button", name="Correct the answer").click()
    expect(page.locator(".error-summary")).to_contain_text("What was wrong is required")
    # The form again with its messages is a 400 by design; the browser logs it as a failed load.
    expected = [e for e in watch.console_errors if "status of 400" in e and "/correct/" in e]
    assert len(expected) == 1
    watch.console_errors.remove(expected[0])
    page.get_by_label("What was wrong").fill("Declined by mistake")
    page.get_by_role("button", name="Correct the answer").click()
    expect(page.get_by_test_id("request-state")).to_have_text("Already in the catalogue")

    page.context.clear_cookies()
    sign_in(unit_world["rep"])
    page.goto(f"/alignment/requests/{request.pk}/")
    expect(page.get_by_test_id("request-answer")).to_contain_text("The CRM has a rota module.")
    expect(page.get_by_test_id("request-history")).to_contain_text("Answer corrected by IT")
    expect(page.get_by_test_id("request-history")).to_contain_text("Declined by mistake")


def test_a_units_cost_page(page, sign_in, unit_world):
    service_cost_set(
        service=unit_world["crm"],
        allocation_rule=AllocationRule.HEADCOUNT,
        drivers=[{"name": "Licences", "amount": "4000", "quantity": "40", "unit_of_measure": "user licences"}],
    )
    sign_in(unit_world["rep"])
    page.goto("/costs/units/sales/")
    expect(page.get_by_test_id("unit-total")).to_have_text("3,000.00")
    row = page.get_by_role("row", name="CRM")
    expect(row).to_contain_text("By headcount: 30 of 40 people")
    row.get_by_role("link", name="CRM").click()
    expect(page.get_by_test_id("cost-per-ticket")).to_be_visible()
