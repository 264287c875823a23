"""The service page's sections that htmx loads after the page: each slot is replaced by its content."""

import pytest
from playwright.sync_api import expect

from catalog.models import Measure
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LAZY_SLOTS = '[hx-trigger="load"]'


def test_the_lazy_sections_load_their_content(page, sign_in, sla):
    Measure.objects.create(
        agreement=sla["agreement"],
        key="payslips-on-time",
        name="Payslips on time",
        factor="results",
        target=95,
        unit="%",
        period="month",
        source="pushed",
    )
    sign_in(sla["rep"])
    page.goto("/services/payroll/")

    # Every slot (SLA, scorecard, commitments, feedback, perception, follow-ups, the agreement's
    # maturity, the alert badge) is swapped for what its view returns; a failed request leaves it.
    expect(page.locator(LAZY_SLOTS)).to_have_count(0)

    sla_section = page.locator("#service-sla")
    expect(sla_section.get_by_role("heading", name="Attainment in")).to_be_visible()
    expect(sla_section.get_by_role("table")).to_contain_text("P1")
    expect(sla_section.get_by_role("heading", name="Open tickets at risk")).to_be_visible()
    expect(sla_section.get_by_role("link", name="See this month’s attainment")).to_have_count(0)

    scorecard = page.locator("#service-scorecard")
    lights = scorecard.get_by_role("list", name="Status of the six success factors this period")
    expect(lights.get_by_role("listitem")).to_have_count(6)
    expect(scorecard.get_by_role("row", name="Payslips on time")).to_be_visible()

    expect(page.locator(".maturity")).to_contain_text("Maturity: Bronze")
