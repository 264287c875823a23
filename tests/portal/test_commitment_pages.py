"""Commitment pages: the lists with status badges, the service page's open commitments, a
commitment with its progress chart, and the forms to commit, check in, renegotiate, deliver
and withdraw (errors beside the fields, nothing written). Read at a fixed `now`: Friday
13 November 2026, 13:00 (London, GMT)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from portal.commitments.presenters import progress_chart, status_badge
from sla.models import CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.services import check_in_record, commitment_create
from tests.portal.helpers import chart_spec, chart_table, page_text

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 13, 13, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def payslips(service, owner, unit):
    """At risk: 20% on 6 Nov, 30% on 13 Nov; at this pace done by 10 Dec, due 30 Nov."""
    commitment = commitment_create(
        service=service,
        actor=owner,
        title="Self-service payslips",
        definition_of_done="Every employee downloads their payslip.",
        owner=owner,
        business_unit=unit,
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 11, 30),
    )
    check_in_record(commitment=commitment, actor=owner, percent_done=20, now=datetime(2026, 11, 6, 12, tzinfo=UTC))
    check_in_record(
        commitment=commitment, actor=owner, percent_done=30, note="Bank format changed.", now=NOW.replace(hour=12)
    )
    return commitment


@pytest.fixture
def calm(service, owner):
    return commitment_create(
        service=service,
        actor=owner,
        title="Year-end pack",
        definition_of_done="P60s issued.",
        owner=owner,
        committed_on=date(2026, 11, 10),
        due_on=date(2027, 4, 30),
    )


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def test_anonymous_visitors_are_sent_to_sign_in(client, payslips):
    response = client.get(url("commitments"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_across_the_catalogue_shows_status_badges_in_few_queries(
    client, reader, payslips, calm, django_assert_max_num_queries
):
    client.force_login(reader)
    with django_assert_max_num_queries(12):
        text = page_text(client.get(url("commitments")))
    assert "2 commitments" in text
    assert "Self-service payslips" in text and "Year-end pack" in text
    assert 'badge--risk-at-risk"><span aria-hidden="true">! </span>At risk' in text
    assert 'badge--proposed">New' in text
    assert "30% done; at this pace done by 10 Dec 2026, after the due date 30 Nov 2026." in text
    filtered = page_text(client.get(url("commitments"), {"status": "at_risk"}))
    assert "1 commitment" in filtered and "Year-end pack" not in filtered


def test_the_service_page_loads_its_open_commitments(client, reader, service, payslips):
    client.force_login(reader)
    page = page_text(client.get(service.get_absolute_url()))
    assert f'hx-get="{url("service_commitments", "payroll")}"' in page
    fragment = client.get(url("service_commitments", "payroll"), HTTP_HX_REQUEST="true")
    text = page_text(fragment)
    assert text.startswith('<section id="service-commitments"')
    assert "Self-service payslips" in text and "Commit to a result" not in text


def test_the_commitment_page_draws_progress_and_hides_forms_from_readers(client, reader, payslips):
    client.force_login(reader)
    response = client.get(url("commitment", payslips.pk))
    text = page_text(response)
    # Chart.js draws it from the page's data (no hand-built SVG, no inline script) ...
    assert "<svg" not in text and 'src="/static/portal/charts.js" defer' in text
    spec = chart_spec(response, "chart-commitment-progress")
    assert spec["labels"] == ["2 Nov 2026", "6 Nov 2026", "13 Nov 2026", "30 Nov 2026", "10 Dec 2026"]
    progress, forecast, due = spec["datasets"]
    assert progress["data"] == [0, 20, 30, None, None] and progress["span"] is True
    assert forecast["data"] == [None, None, 30, None, 100] and forecast["style"] == "target"
    assert due["data"] == [None, None, None, 100, None] and due["label"] == "Due: done by 30 Nov 2026"
    # ... and its table says the same in words.
    table = chart_table(response, "chart-commitment-progress")
    assert '<th scope="row">13 Nov 2026</th><td class="num">30%</td><td class="num">30%</td>' in table
    assert "Check-in, 30% done; today" in table and "Done at this pace (forecast)" in table
    assert "Bank format changed." in text
    assert "Check in</h2>" not in text and "Renegotiate the date" not in text


def test_the_owner_checks_in_and_a_bad_percentage_is_a_form_error(client, owner, payslips):
    client.force_login(owner)
    response = client.post(url("commitment_check_in", payslips.pk), {"check_in-percent_done": "120"})
    text = page_text(response)
    assert "There is a problem" in text and "Ensure this value is less than or equal to 100." in text
    response = client.post(url("commitment_check_in", payslips.pk), {"check_in-percent_done": "10"})
    assert "say why in the note" in page_text(response)
    assert CheckIn.objects.count() == 2
    response = client.post(
        url("commitment_check_in", payslips.pk), {"check_in-percent_done": "80", "check_in-note": "Pilot done."}
    )
    assert response.status_code == 302
    assert "On track" in page_text(client.get(response["Location"]))


def test_renegotiate_then_deliver_and_a_check_in_after_is_refused(client, owner, payslips):
    client.force_login(owner)
    response = client.post(url("commitment_renegotiate", payslips.pk), {"renegotiate-new_due_on": "2026-12-18"})
    assert "This field is required." in page_text(response)
    response = client.post(
        url("commitment_renegotiate", payslips.pk),
        {"renegotiate-new_due_on": "2026-12-18", "renegotiate-reason": "The bank moved its format change."},
    )
    assert response.status_code == 302
    text = page_text(client.get(url("commitment", payslips.pk)))
    assert "Renegotiated dates" in text and "The bank moved its format change." in text
    assert "first due 30 Nov 2026" in text
    assert Renegotiation.objects.count() == 1

    assert client.post(url("commitment_deliver", payslips.pk), {"deliver-note": "Live."}).status_code == 302
    payslips.refresh_from_db()
    assert (payslips.outcome, payslips.closed_on) == (CommitmentOutcome.DELIVERED, date(2026, 11, 13))
    response = client.post(url("commitment_check_in", payslips.pk), {"check_in-percent_done": "100"}, follow=True)
    assert "“Self-service payslips” is delivered; a closed commitment cannot be checked in on." in page_text(response)
    assert CheckIn.objects.count() == 2


def test_readers_may_not_change_a_commitment(client, reader, payslips):
    client.force_login(reader)
    assert client.post(url("commitment_withdraw", payslips.pk), {"withdraw-reason": "x"}).status_code == 403
    assert client.post(url("commitment_check_in", payslips.pk), {"check_in-percent_done": "50"}).status_code == 403
    assert client.get(url("commitment_create", "payroll")).status_code == 403


def test_withdraw_needs_a_reason(client, owner, payslips):
    client.force_login(owner)
    assert "This field is required." in page_text(client.post(url("commitment_withdraw", payslips.pk), {}))
    assert client.post(url("commitment_withdraw", payslips.pk), {"withdraw-reason": "Dropped."}).status_code == 302
    assert Commitment.objects.get(pk=payslips.pk).outcome == CommitmentOutcome.WITHDRAWN


def test_the_owner_commits_to_a_result(client, owner, unit, service):
    client.force_login(owner)
    data = {
        "title": "Payslips in Welsh",
        "definition_of_done": "Every payslip can be read in Welsh.",
        "business_unit": str(unit.pk),
        "owner": str(owner.pk),
        "due_on": "2026-11-01",
        "check_in_every": "2 weeks",
        "grace": "3 days",
    }
    text = page_text(client.post(url("commitment_create", "payroll"), data))
    assert "The due date has passed: promise a date from today on." in text
    assert not Commitment.objects.exists()
    response = client.post(url("commitment_create", "payroll"), {**data, "due_on": "2027-02-26"})
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert response["Location"] == url("commitment", commitment.pk)
    assert (commitment.check_in_every.days, commitment.grace.days, commitment.committed_on) == (14, 3, NOW.date())


def test_the_chart_has_a_label_per_day_something_happened():
    chart = progress_chart(
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 11, 30),
        check_ins=[(date(2026, 11, 6), 20), (date(2026, 11, 13), 30)],
        forecast_done_on=date(2026, 12, 12),
        today=date(2026, 11, 13),
        earlier_due_dates=[date(2026, 11, 20)],
    )
    days = ["2 Nov 2026", "6 Nov 2026", "13 Nov 2026", "20 Nov 2026", "30 Nov 2026", "12 Dec 2026"]
    assert chart.spec["labels"] == days and [row[0] for row in chart.rows] == days
    progress, forecast, due, earlier = (d["data"] for d in chart.spec["datasets"])
    assert progress == [0, 20, 30, None, None, None]
    assert forecast == [None, None, 30, None, None, 100]
    assert due == [None, None, None, None, 100, None] and earlier == [None, None, None, 100, None, None]
    assert chart.rows[3] == ("20 Nov 2026", "–", "–", "Was due, before renegotiation")
    assert chart.summary.startswith("Line chart:") and "At this pace done by 12 Dec 2026." in chart.summary
    delivered = progress_chart(
        committed_on=date(2026, 11, 2),
        due_on=date(2026, 11, 30),
        check_ins=[(date(2026, 11, 20), 100)],
        forecast_done_on=date(2026, 11, 20),
        today=date(2027, 1, 5),
        closed_on=date(2026, 11, 21),
    )
    # Closed: no forecast, no today; the day it closed instead.
    assert [d["label"] for d in delivered.spec["datasets"]] == [
        "Progress reported",
        "Forecast at this pace",
        "Due: done by 30 Nov 2026",
    ]
    assert not any(delivered.spec["datasets"][1]["data"])
    assert [row[3] for row in delivered.rows] == ["Committed", "Check-in, 100% done", "Closed", "Due"]
    assert status_badge("missed").css == "badge--risk-breached" and status_badge("missed").mark == "✗"
