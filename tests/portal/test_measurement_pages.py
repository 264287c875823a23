"""The service's measurements page: the measures that take data, entering a value (errors beside
the fields), CSV upload (all-or-nothing, problems by line), the template, who sees what."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sla.models import Measurement
from sla.services import calendar_create
from tests import factories as f
from tests.portal.helpers import page_text
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA
from tests.sla.test_measurements import add_measure

pytestmark = pytest.mark.django_db

PAGE = "/services/payroll/measurements/"
UPLOAD = "/services/payroll/measurements/upload/"
NOW = at(20, 12)  # Friday 20 November 2026, 12:00 UTC


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def measures(sla):
    add_measure(sla["agreement"])  # Payslips on time, %, 0 to 100, month
    add_measure(
        sla["agreement"], key="queries", name="Payroll queries", unit="", valid_max=None, period="week", source="manual"
    )
    add_measure(
        sla["agreement"], key="p1-in-time", name="P1 in time", source="tickets", ticket_metric="resolved_in_time"
    )


@pytest.fixture
def owner(client, sla):
    client.force_login(sla["owner"])
    return client


@pytest.fixture
def london(sla):
    service = sla["service"]
    service.support_calendar = calendar_create(name="London", time_zone="Europe/London", is_24x7=True)
    service.save(update_fields=["support_calendar"])


def visible(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page_text(response))).split())


def entry(**overrides):
    data = {"measure": "payslips-on-time", "value": "97.5", "measured_on": "2026-11-18", "at_time": "", "note": ""}
    data.update(overrides)
    return data


def csv_file(text: str, name="points.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, text, **kwargs):
    return client.post(UPLOAD, {"file": csv_file(text, **kwargs)}, follow=True)


# --- The page and who sees it -------------------------------------------------------------


def test_the_owner_sees_measures_that_take_data_and_the_forms(owner, measures):
    text = visible(owner.get(PAGE))
    assert "Payslips on time payslips-on-time % 0 to 100 Month" in text
    assert "Payroll queries queries – at least 0 Week" in text
    assert "P1 in time" not in text  # derived from tickets: computed, not entered
    assert "Enter a value" in text and "Upload a CSV file" in text
    assert "Days and times are in UTC, the service's time zone." in text
    assert "No data recorded for Payroll yet." in text


def test_a_member_of_the_served_unit_reads_without_forms(client, sla, measures):
    client.force_login(sla["rep"])
    text = page_text(client.get(PAGE))
    assert "Payslips on time" in text
    assert "Enter a value" not in text and "Upload a CSV file" not in text
    assert client.post(PAGE, entry()).status_code == 403
    assert client.post(UPLOAD, {"file": csv_file("measure,value,measured_at\n")}).status_code == 403
    assert not Measurement.objects.exists()


def test_others_are_refused_and_strangers_sent_to_sign_in(client, sla, measures):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(f.service_owner())
    assert client.get(PAGE).status_code == 403
    assert client.get("/services/nope/measurements/").status_code == 404


def test_the_service_page_links_to_measurements_for_its_people(client, sla, measures):
    link = 'href="/services/payroll/measurements/"'
    client.force_login(sla["owner"])
    assert link in page_text(client.get("/services/payroll/"))
    client.force_login(sla["rep"])
    assert link in page_text(client.get("/services/payroll/"))
    client.force_login(f.service_owner())
    assert link not in page_text(client.get("/services/payroll/"))


def test_the_page_costs_the_same_with_more_data(owner, sla, measures, django_assert_max_num_queries):
    owner.post(PAGE, entry())
    with django_assert_max_num_queries(12) as few:
        owner.get(PAGE)
    for n in range(30):
        owner.post(PAGE, entry(value=str(n)))
    with django_assert_max_num_queries(12) as many:
        owner.get(PAGE)
    assert len(few) == len(many)


# --- Entering a value -------------------------------------------------------------------


def test_a_value_entered_for_a_day_is_stored_at_its_start(owner, sla, measures):
    response = owner.post(PAGE, entry(note="From the run report"), follow=True)
    text = page_text(response)
    assert "Recorded 97.5 for “Payslips on time” on 18 Nov 2026." in text
    point = Measurement.objects.get()
    assert (point.value, point.measured_at, point.source) == (97.5, at(18, 0), "manual")
    assert (point.recorded_by, point.note) == (sla["owner"], "From the run report")
    assert "From the run report" in text  # in the recent list


def test_a_time_is_read_in_the_services_zone(owner, london, measures):
    owner.post(PAGE, entry(measured_on="2026-07-01", at_time="09:30"))
    assert Measurement.objects.get().measured_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


def test_entering_the_same_value_twice_changes_nothing(owner, measures):
    owner.post(PAGE, entry())
    text = page_text(owner.post(PAGE, entry(), follow=True))
    assert "Already recorded: 97.5 for “Payslips on time” on 18 Nov 2026. Nothing changed." in text
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (entry(value="142"), "value", "142 is outside the valid range 0 to 100 of &#x27;Payslips on time&#x27;."),
        (entry(value="lots"), "value", "Enter a number."),
        (entry(measured_on="2026-11-21"), "measured_on", "2026-11-21 has not started yet"),
        (entry(measured_on="2026-11-20", at_time="12:30"), "measured_on", "is in the future"),
        (entry(measure="p1-in-time"), "measure", "Select a valid choice."),
        (entry(value=""), "value", "This field is required."),
    ],
)
def test_form_errors_are_named_beside_the_field(owner, measures, data, field, message):
    response = owner.post(PAGE, data)
    html = page_text(response)
    assert "There is a problem" in html
    assert message in html
    assert response.context["form"].errors[field]
    assert not Measurement.objects.exists()


# --- CSV upload -------------------------------------------------------------------------


def test_a_csv_file_is_recorded_and_uploading_it_again_changes_nothing(owner, measures):
    text = (
        "measure,value,measured_at,sender_id,note\n"
        "payslips-on-time,98.5,2026-11-02T09:00:00Z,run-1,first run\n"
        "queries,4,2026-W46,,\n"
        "queries,4,2026-W46,,\n"  # the same again, no sender id: a second point
        "\n"
        "payslips-on-time,99,2026-11,,\n"
    )
    assert "Uploaded 4 measurements (from points.csv)." in page_text(upload(owner, text))
    assert Measurement.objects.filter(source="csv").count() == 4
    assert Measurement.objects.get(sender_id="run-1").note == "first run"
    assert Measurement.objects.filter(measure_key="queries", measured_at=at(9, 0)).count() == 2
    assert "Uploaded 0 measurements; 4 already recorded, unchanged" in page_text(upload(owner, text))
    assert Measurement.objects.count() == 4


def test_a_file_with_problems_records_nothing_and_names_the_lines(owner, measures):
    text = (
        "measure,value,measured_at\n"
        "payslips-on-time,98,2026-11-02\n"
        "payslips-on-time,abc,2026-11-03\n"
        "queries,1,someday\n"
    )
    html = page_text(upload(owner, text))
    assert "Nothing was recorded: fix the file and upload it again" in html
    assert "Line 3, value: &#x27;abc&#x27; is not a number." in html
    assert "Line 4, measured_at: &#x27;someday&#x27; is not a time" in html
    text = (
        "measure,value,measured_at\n"
        "payslips-on-time,98,2026-11-02\n"
        "smiles,1,2026-11-02\n"
        "payslips-on-time,142,2026-11-04\n"
        "payslips-on-time,50,2026-12\n"
    )
    html = page_text(upload(owner, text))
    assert "Line 3, measure: Unknown measure &#x27;smiles&#x27; for Payroll" in html
    assert "Line 4, value: 142 is outside the valid range 0 to 100 of &#x27;Payslips on time&#x27;." in html
    assert "Line 5, measured_at: 2026-12 has not started yet" in html
    assert not Measurement.objects.exists()


def test_a_sender_id_clash_names_both_lines(owner, measures):
    text = "measure,value,measured_at,sender_id\nqueries,1,2026-11-02,a\nqueries,2,2026-11-02,a\n"
    html = page_text(upload(owner, text))
    assert "Line 3, sender_id: Sender id &#x27;a&#x27; is also used by line 2 for a different point" in html


def test_semicolons_decimal_commas_and_local_times(owner, london, measures):
    text = "Measure;Value;Measured_at\npayslips-on-time;97,5;2026-07-01 09:30\n"
    assert "Uploaded 1 measurement (from points.csv)." in page_text(upload(owner, text))
    point = Measurement.objects.get()
    assert (point.value, point.measured_at) == (97.5, datetime(2026, 7, 1, 8, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        ("value,measured_at\n1,2026-11-02\n", "utf-8", "Line 1: the header lacks measure"),
        ("measure,value,measured_at\n", "utf-8", "The file has no rows under its header."),
        ("measure,value,measured_at\nqueries,1,2026-11-02,café\n", "latin-1", "The file is not UTF-8 text"),
        ('measure,value,measured_at\nqueries,1,"' + "x" * 140_000 + '"\n', "utf-8", "cannot be read as CSV"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(owner, measures, text, encoding, message):
    html = page_text(upload(owner, text, encoding=encoding))
    assert message in html
    assert not Measurement.objects.exists()


def test_size_and_row_limits(owner, measures, monkeypatch):
    monkeypatch.setattr("portal.views.measurements.MAX_UPLOAD_BYTES", 100)
    html = page_text(upload(owner, "measure,value,measured_at\n" + "queries,1,2026-11-02\n" * 10))
    assert "upload at most 2 MB (5,000 rows) at a time" in html
    monkeypatch.setattr("portal.views.measurements.MAX_UPLOAD_BYTES", 10**6)
    monkeypatch.setattr("portal.views.measurements.MAX_BATCH", 3)
    html = page_text(upload(owner, "measure,value,measured_at\n" + "queries,1,2026-11-02\n" * 4))
    assert "The file has more than 3 rows: split it and upload each part." in html
    assert not Measurement.objects.exists()


def test_a_missing_file_is_a_form_error(owner, measures):
    assert "CSV file: This field is required." in visible(owner.post(UPLOAD, {}))


def test_the_template_lists_every_measure_that_takes_data(owner, measures):
    response = owner.get("/services/payroll/measurements/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="payroll-measurements.csv"'
    assert response.content.decode().splitlines() == [
        "measure,value,measured_at,sender_id,note",
        "queries,0,2026-11-20,,Example: Payroll queries",
        "payslips-on-time,0,2026-11-20,,Example: Payslips on time",
    ]


def test_the_template_uploads_as_it_is(owner, measures):
    text = owner.get("/services/payroll/measurements/template.csv").content.decode()
    assert "Uploaded 2 measurements" in page_text(upload(owner, text))
