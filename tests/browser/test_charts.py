"""The service page's charts in a real browser: Chart.js (vendored, no CDN) draws every canvas
from the page's json_script data with no inline script; each chart's table alternative stays
one click away and readable; the page works at a phone's width."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sla.models import Clock, ClockKind, ClockState, MeasureEvaluation, Ticket
from sla.periods import MONTH, period_bounds, previous_periods
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)
from tests.sla.test_scorecard import add_measure

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DRAWN = 'canvas[data-chart-state="drawn"]'


@pytest.fixture
def history(sla):
    """Payslips on time over the last four months, and tickets that met or missed their targets."""
    now = timezone.now()
    measure = add_measure(sla["agreement"], "payslips-on-time", name="Payslips on time")
    months = [*reversed(previous_periods(MONTH, now, "UTC", 3)), period_bounds(MONTH, now, "UTC")]
    for (start, end), value in zip(months, [96.0, 97.5, 94.0, 95.5], strict=True):
        MeasureEvaluation.objects.create(
            measure=measure,
            service=sla["service"],
            measure_key=measure.key,
            period_start=start,
            period_end=end,
            actual=value,
            status="met" if value >= 95 else "missed",
            forecast=95.8 if end > now else None,
            forecast_low=94.0 if end > now else None,
            forecast_high=97.0 if end > now else None,
            budget={"used_share": 0.4, "misses": 2, "allowed_misses": 5},
            computed_at=min(end, now),
        )
    ticket = Ticket.objects.create(
        source="test", external_id="INC-9", service=sla["service"], priority=2, opened_at=now - timedelta(days=3)
    )
    for cycle, state in enumerate([ClockState.MET, ClockState.BREACHED], start=1):
        Clock.objects.create(
            ticket=ticket,
            kind=ClockKind.UPDATE,
            cycle=cycle,
            priority=2,
            calendar=sla["always"],
            target_seconds=3600,
            started_at=now - timedelta(days=3),
            stopped_at=now - timedelta(days=2, hours=cycle),
            breached_at=now - timedelta(days=2, hours=cycle) if state == ClockState.BREACHED else None,
            state=state,
            computed_at=now - timedelta(days=2),
        )
    return measure


def test_the_service_page_draws_its_charts_and_keeps_their_tables(page, sign_in, sla, history):
    sign_in(sla["owner"])
    page.goto("/services/payroll/")

    scorecard = page.locator("#service-scorecard")
    measure_chart = scorecard.locator(f"#measure-chart-{history.pk}")
    expect(measure_chart.locator(DRAWN)).to_have_count(1)
    canvas = measure_chart.locator("canvas")
    expect(canvas).to_have_attribute("role", "img")
    expect(canvas).to_have_attribute("aria-label", re.compile(r"^Line chart: Payslips on time per period"))
    assert canvas.bounding_box()["height"] > 100  # drawn at its size, not collapsed
    # Folded under the chart once it is drawn; one click (or Enter on the summary) opens it.
    table = measure_chart.get_by_role("table")
    expect(table).to_be_hidden()
    measure_chart.get_by_text("The numbers as a table").focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.get_by_role("row", name="(so far)")).to_contain_text("95.8% (likely 94% to 97%)")

    expect(scorecard.locator("#chart-error-budget " + DRAWN)).to_have_count(1)
    sla_section = page.locator("#service-sla")
    expect(sla_section.locator("#chart-ticket-load " + DRAWN)).to_have_count(1)
    expect(sla_section.locator("#chart-attainment " + DRAWN)).to_have_count(1)
    attainment = sla_section.locator("#chart-attainment")
    attainment.get_by_text("The numbers as a table").click()
    expect(attainment.get_by_role("table")).to_contain_text("50% (1 of 2)")
    # The feedback section has no responses yet, so it says so instead of drawing empty charts.
    expect(page.locator("#service-feedback")).to_contain_text("No survey responses")
    # No inline script anywhere: every script is a file of this site.
    assert (
        page.evaluate("[...document.scripts].filter(s => !s.src).map(s => s.type)")
        == ["application/json"] * page.locator('script[type="application/json"]').count()
    )


def test_on_a_phone_the_charts_fit_the_screen(browser, live_server, sign_in, context, page, sla, history):
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(sla["owner"])
    page.goto("/services/payroll/")
    chart = page.locator(f"#measure-chart-{history.pk}")
    expect(chart.locator(DRAWN)).to_have_count(1)
    box = chart.locator("canvas").bounding_box()
    assert 0 < box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scrolling


def test_a_commitments_progress_is_drawn_by_chart_js_with_its_table(page, sign_in, sla):
    from sla.services import check_in_record, commitment_create

    today = timezone.localdate()
    commitment = commitment_create(
        service=sla["service"],
        actor=sla["owner"],
        title="Self-service payslips",
        definition_of_done="Every employee downloads their payslip.",
        owner=sla["owner"],
        business_unit=sla["unit"],
        committed_on=today - timedelta(days=10),
        due_on=today + timedelta(days=20),
    )
    check_in_record(commitment=commitment, actor=sla["owner"], percent_done=40, now=timezone.now())
    sign_in(sla["owner"])
    page.goto(f"/commitments/{commitment.pk}/")
    chart = page.locator("#chart-commitment-progress")
    expect(chart.locator(DRAWN)).to_have_count(1)
    expect(chart.locator("canvas")).to_have_attribute("aria-label", re.compile(r"^Line chart: the share done"))
    assert page.locator("svg").count() == 0  # no hand-built chart left
    chart.get_by_text("The numbers as a table").click()
    expect(chart.get_by_role("table")).to_contain_text("Check-in, 40% done; today")


def test_the_scorecard_page_draws_every_trend_of_the_service(page, sign_in, sla, history):
    """Without the service page around it, the scorecard page draws the SLA and feedback charts
    too (the same partials and data as those sections), each with its table."""
    from tests.feedback.test_summary import survey

    survey(sla["service"], timezone.now() - timedelta(hours=20), csat=[5, 4] * 6, nps=[10, 7] * 6, ces=[6, 5] * 6)
    sign_in(sla["owner"])
    page.goto("/services/payroll/scorecard/")
    for chart_id in (
        f"measure-chart-{history.pk}",
        "chart-error-budget",
        "chart-attainment",
        "chart-ticket-load",
        "chart-feedback-csat",
        "chart-feedback-nps",
        "chart-feedback-ces",
    ):
        expect(page.locator(f"#{chart_id} " + DRAWN)).to_have_count(1)
    feedback = page.locator("#chart-feedback-csat")
    feedback.get_by_text("The numbers as a table").click()
    expect(feedback.get_by_role("table")).to_contain_text("Responses")
    assert (
        page.evaluate("[...document.scripts].filter(s => !s.src).map(s => s.type)")
        == ["application/json"] * page.locator('script[type="application/json"]').count()
    )
