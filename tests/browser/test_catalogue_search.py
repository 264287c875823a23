"""The catalogue's live search: typing swaps the results and the count in place (htmx), no reload."""

import pytest
from playwright.sync_api import expect

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def services():
    ServiceFactory(name="Payroll", summary="Pays people on time.", keywords="salary, payslips")
    ServiceFactory(name="Printing", summary="Printers on every floor.", keywords="paper")
    ServiceFactory(name="Email", summary="Mail and calendars.", keywords="mailbox")


def test_typing_in_the_search_updates_results_and_count_without_reloading(page, services):
    page.goto("/catalogue/")
    count = page.locator("#result-count")
    results = page.locator("#results")
    expect(count).to_have_text("3 services")
    expect(results.get_by_role("link", name="Printing")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")  # a full reload would lose it

    with page.expect_request(lambda r: "q=payslips" in r.url) as searched:
        page.get_by_role("searchbox", name="Search").press_sequentially("payslips")

    assert searched.value.headers.get("hx-request") == "true"
    expect(count).to_have_text("1 service found")
    expect(results.get_by_role("link", name="Payroll")).to_be_visible()
    expect(results.get_by_role("link", name="Printing")).to_have_count(0)
    expect(results.get_by_role("link", name="Email")).to_have_count(0)
    expect(page).to_have_url("/catalogue/?q=payslips&category=&business_unit=&lifecycle=")
    assert page.evaluate("window.stillTheSamePage") is True
    # The count stays the one live region (role=status) that screen readers announce.
    expect(page.get_by_role("status")).to_have_text("1 service found")


def test_a_search_that_matches_nothing_says_so(page, services):
    page.goto("/catalogue/")
    page.get_by_role("searchbox", name="Search").fill("zzz")
    expect(page.locator("#result-count")).to_have_text("0 services found")
    expect(page.locator("#results")).to_contain_text("No services match.")
    assert page.evaluate("document.querySelectorAll('#result-count').length") == 1
