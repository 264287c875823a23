"""The monthly service review in a real browser: a representative opens last month's review of
a service from its list, prints it (the print stylesheet hides the site's chrome; Chromium's
page.pdf() prints it), records an action agreed at the meeting, and downloads the server's PDF,
which is a PDF with the service's name in its text."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.reviews.periods import MONTH, period_of
from portal.reviews.services import review_action_record
from tests import factories as f
from tests.catalog.helpers import agreed

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_a_monthly_review_opened_printed_and_downloaded(page, sign_in):
    today = timezone.localdate()
    last_month = period_of(MONTH, today.replace(day=1) - timedelta(days=1))
    finance = f.BusinessUnitFactory(name="Finance", slug="finance")
    rep = f.representative(finance, username="rep", first_name="Rita", last_name="Rep")
    owner = f.service_owner(username="owner", first_name="Olive", last_name="Owner")
    payroll = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[finance])
    agreed(service=payroll, business_unit=finance)
    review_action_record(
        period=last_month.previous(),
        service=payroll,
        text="Share the root cause of the outage",
        owner=owner,
        due_on=last_month.start,
        by=owner,
    )

    sign_in(rep)
    page.goto("/services/payroll/")
    page.get_by_test_id("service-reviews-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payroll: service reviews")
    page.get_by_role("link", name=last_month.label, exact=True).click()
    review = page.get_by_test_id("review")
    expect(review).to_have_attribute("data-period", last_month.code)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payroll: service review, {last_month.label}")
    expect(page.get_by_test_id("review-attainment")).to_be_visible()
    expect(page.locator("#previous-actions + *")).to_contain_text("Share the root cause of the outage")

    # Printed: the print stylesheet drops the site's header and the forms; Chromium prints it.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_test_id("review-action-form")).to_be_hidden()
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF-")
    assert "Payroll: service review" in _text(printed)
    page.emulate_media(media="screen")

    # An action agreed at the meeting, recorded from the page.
    form = page.get_by_test_id("review-action-form")
    form.get_by_label("Action").fill("Move the bank cut-off to 16:00")
    form.get_by_label("Owner").select_option(label="Olive Owner (owner)")
    form.get_by_label("Due on").fill(f"{last_month.end + timedelta(days=14):%Y-%m-%d}")
    form.get_by_role("button", name="Record the action").click()
    expect(page.get_by_role("status")).to_contain_text("The action is recorded")
    expect(page.locator("#actions")).to_contain_text("Move the bank cut-off to 16:00")

    # The server's PDF, from the download link.
    with page.expect_download() as download_info:
        page.get_by_test_id("review-pdf").click()
    download = download_info.value
    assert download.suggested_filename == f"payroll-review-{last_month.code}.pdf"
    with open(download.path(), "rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF-")
    text = _text(content)
    assert f"Payroll: service review, {last_month.label}" in text
    assert "Move the bank cut-off to 16:00" in text
