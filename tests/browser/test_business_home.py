"""The business home in a real browser: a representative signs in and lands on their unit's
services with the six lights, what is at risk, and the catalogue one click away."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Measure
from sla.models import Alert, MeasureEvaluation
from tests import factories as f
from tests.catalog.helpers import agreed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_business_home_and_its_lights(page, sign_in):
    now = timezone.now()
    finance = f.BusinessUnitFactory(name="Finance", slug="finance")
    rep = f.representative(finance, username="rep")
    payroll = f.ServiceFactory(name="Payroll", slug="payroll", criticality=1, business_units=[finance])
    f.ServiceFactory(name="Elsewhere", slug="elsewhere")
    measure = Measure.objects.create(
        agreement=agreed(service=payroll, business_unit=finance),
        key="payslips",
        name="Payslips on time",
        description="People pay their rent on pay day.",
        factor="results",
        target=95,
    )
    MeasureEvaluation.objects.create(
        measure=measure,
        service=payroll,
        measure_key="payslips",
        period_start=now - timedelta(days=1),
        period_end=now + timedelta(days=1),
        status="missed",
        volume=5,
        computed_at=now,
    )
    type(payroll).objects.filter(pk=payroll.pk).update(business_owner=rep)
    Alert.objects.create(key="m", kind="measure_missed", subject="Payslips late", service=payroll, opened_at=now)

    sign_in(rep)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your services")
    lights = page.get_by_role("table")
    expect(lights.get_by_role("row", name="Payroll")).to_contain_text("Missed")
    expect(lights.get_by_role("columnheader")).to_have_count(7)  # the service and the six factors
    expect(lights.get_by_role("row", name="Elsewhere")).to_have_count(0)
    expect(page.locator("#home-risks")).to_contain_text("Payslips late")

    page.get_by_role("link", name="Payroll").first.click()
    expect(page).to_have_url("/services/payroll/scorecard/")
    expect(page.get_by_text("People pay their rent on pay day.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service catalogue")
