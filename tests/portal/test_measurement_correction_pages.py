"""Correcting a data point in the portal: the "Correct" link on the measurements page for people
who may record, the point's page with its forms (errors beside the fields, nothing saved on a
problem) and its history, removal, recent corrections on the measurements page, who may."""

import pytest

from catalog import rules as roles
from sla.models import MeasureEvaluation, Measurement, MeasurementCorrection
from sla.services import MeasurementInput, measurement_correct, measurements_record
from tests import factories as f
from tests.portal.helpers import page_text
from tests.portal.test_measurement_pages import NOW, PAGE, visible
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def stored(sla) -> Measurement:
    """Payslips on time: 97.5 on 18 November 2026 at 09:00 UTC, sent by a tool as p-1."""
    add_measure(sla["agreement"])
    measurements_record(
        items=[MeasurementInput("payroll", "payslips-on-time", 97.5, at(18, 9), "p-1")],
        actor=None,
        source="api",
        now=NOW,
    )
    return Measurement.objects.get()


@pytest.fixture
def owner(client, sla):
    client.force_login(sla["owner"])
    return client


def correct_url(point) -> str:
    return f"/services/payroll/measurements/{point.pk}/correct/"


def remove_url(point) -> str:
    return f"/services/payroll/measurements/{point.pk}/remove/"


def correction(value="99", reason="Typed 97.5 for 99."):
    return {"correct-value": value, "correct-reason": reason}


# --- The link ------------------------------------------------------------------------------


def test_people_who_may_record_get_a_correct_link_on_each_point(client, sla, stored):
    link = f'href="{correct_url(stored)}"'
    client.force_login(sla["owner"])
    html = page_text(client.get(PAGE))
    assert link in html
    assert 'Correct<span class="visually-hidden"> Payslips on time at 18 Nov 2026, 09:00 GMT</span>' in html
    client.force_login(f.admin_user())
    assert link in page_text(client.get(PAGE))
    client.force_login(sla["rep"])  # reads the measurements, may not record them
    assert link not in page_text(client.get(PAGE))


# --- The page and correcting ------------------------------------------------------------------


def test_the_page_shows_the_point_and_its_forms(owner, stored):
    text = visible(owner.get(correct_url(stored)))
    assert "Correct a data point" in text
    assert "Measure Payslips on time ( payslips-on-time )" in text
    assert "Value 97.5 %" in text  # as people write it: no trailing zeros
    assert "Sender id p-1" in text
    assert "“Payslips on time” takes 0 to 100 (%)." in text
    assert "New value" in text and "Remove the point" in text
    assert "Not corrected yet: the value is as it was recorded." in text


def test_a_correction_goes_back_to_the_measurements_page_with_the_history_kept(owner, sla, stored):
    response = owner.post(correct_url(stored), correction(), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    text = visible(response)
    assert "Corrected the point of “Payslips on time” at 18 Nov 2026, 09:00: 97.5 is now 99." in text
    assert "Corrected lately" in text
    by = sla["owner"].get_full_name()
    assert f"Payslips on time 18 Nov 2026, 09:00 GMT 97.5 99 Typed 97.5 for 99. {by}" in text
    assert Measurement.objects.get().value == 99
    row = MeasurementCorrection.objects.get()
    assert (row.old_value, row.new_value, row.reason, row.corrected_by) == (
        97.5,
        99,
        "Typed 97.5 for 99.",
        sla["owner"],
    )
    history = visible(owner.get(correct_url(stored)))
    assert "97.5 99 Typed 97.5 for 99." in history
    assert "Not corrected yet" not in history


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (correction(value="142"), "value", "142 is outside the valid range 0 to 100 of &#x27;Payslips on time&#x27;."),
        (correction(value="97.5"), "value", "The point&#x27;s value is already 97.5: nothing to correct."),
        (correction(value="lots"), "value", "Enter a number."),
        (correction(value="nan"), "value", "Enter a number."),
        (correction(value=""), "value", "This field is required."),
        (correction(reason=""), "reason", "This field is required."),
        (correction(reason="x" * 501), "reason", "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_errors_are_beside_the_fields_and_nothing_is_saved(owner, stored, data, field, message):
    response = owner.post(correct_url(stored), data)
    assert response.status_code == 200
    html = page_text(response)
    assert "There is a problem" in html
    assert message in html
    assert response.context["correct"].errors[field]
    assert f'href="#id_correct-{field}"' in html  # the summary links to the field
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


def test_a_point_of_a_settled_period_says_so_instead_of_the_forms(owner, sla, stored):
    MeasureEvaluation.objects.create(
        measure=sla["agreement"].measures.get(),
        service=sla["service"],
        measure_key="payslips-on-time",
        period_start=at(1, 0),
        period_end=at(20, 0),
        status="met",
        computed_at=at(20, 0),
    )
    settled = (
        "November 2026 already has its final verdict for “Payslips on time”: met. "
        "A point of a settled period cannot be corrected or removed."
    )
    text = visible(owner.get(correct_url(stored)))
    assert settled in text
    assert "New value" not in text and "Remove the point" not in text
    for url, data in ((correct_url(stored), correction()), (remove_url(stored), {"remove-reason": "Twice."})):
        response = owner.post(url, data)  # a form opened before the verdict was written
        assert response.status_code == 200
        assert settled in visible(response)
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


# --- Removing --------------------------------------------------------------------------------


def test_removing_a_point_keeps_its_history_on_the_measurements_page(owner, stored):
    response = owner.post(remove_url(stored), {"remove-reason": "A test run, not a payroll run."}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    text = visible(response)
    assert "Removed the point of “Payslips on time” at 18 Nov 2026, 09:00. Its history is kept" in text
    assert "97.5 removed A test run, not a payroll run." in text
    assert "No data recorded for Payroll yet." in text
    assert not Measurement.objects.exists()
    assert owner.get(correct_url(stored)).status_code == 404


def test_a_removal_needs_a_reason(owner, stored):
    response = owner.post(remove_url(stored), {"remove-reason": "  "})
    assert response.context["remove"].errors["reason"] == ["This field is required."]
    assert 'href="#id_remove-reason"' in page_text(response)
    assert Measurement.objects.exists()


def test_the_remove_address_opened_shows_the_page(owner, stored):
    response = owner.get(remove_url(stored))
    assert (response.status_code, response["Location"]) == (302, correct_url(stored))


# --- Who may ----------------------------------------------------------------------------------


def test_who_may_correct(client, sla, stored):
    url = correct_url(stored)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(sla["rep"])  # reads the point, may not correct it
    assert client.get(url).status_code == 403
    assert client.post(url, correction()).status_code == 403
    assert client.post(remove_url(stored), {"remove-reason": "x"}).status_code == 403
    client.force_login(f.service_owner())  # may not even read it
    assert client.get(url).status_code == 404
    assert client.post(remove_url(stored), {"remove-reason": "x"}).status_code == 404
    client.force_login(sla["owner"])
    f.ServiceFactory(slug="other", service_owner=sla["owner"])
    assert client.get(f"/services/other/measurements/{stored.pk}/correct/").status_code == 404  # not its point
    assert client.get(f"/services/payroll/measurements/{stored.pk + 1}/correct/").status_code == 404
    assert Measurement.objects.get().value == 97.5
    assert not MeasurementCorrection.objects.exists()


# --- Queries ----------------------------------------------------------------------------------


def test_the_pages_cost_the_same_with_more_history(owner, sla, stored, django_assert_max_num_queries):
    measurement_correct(measurement=stored, value=99, reason="Revised.", actor=sla["owner"], now=NOW)
    with django_assert_max_num_queries(12) as few_point:
        owner.get(correct_url(stored))
    with django_assert_max_num_queries(13) as few_page:
        owner.get(PAGE)
    others = [f.admin_user(), f.UserFactory(roles=[roles.INTEGRATIONS])]
    for n in range(12):
        measurement_correct(measurement=stored, value=n, reason=f"Revision {n}.", actor=others[n % 2], now=NOW)
    with django_assert_max_num_queries(12) as many_point:
        owner.get(correct_url(stored))
    with django_assert_max_num_queries(13) as many_page:
        owner.get(PAGE)
    assert (len(few_point), len(few_page)) == (len(many_point), len(many_page))
