"""The scorecard on the service page (an htmx fragment, or a page of its own without JavaScript),
the maturity badge on the agreement page and in the service page's agreements, the sparkline
presenter, rights and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from portal.scorecard import presenters
from sla.models import MeasureEvaluation
from sla.scorecard_selectors import PeriodValue
from tests import factories as f
from tests.feedback.test_summary import survey
from tests.portal.helpers import chart_spec, chart_table, page_text
from tests.portal.test_sla_pages import open_ticket
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)
from tests.sla.test_scorecard import MONTHS, NOW, add_measure, evaluate, history, in_force, point

SERVICE_URL = "/services/payroll/"
SCORECARD_URL = "/services/payroll/scorecard/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def reader(client):
    user = f.business_user(username="reader")
    client.force_login(user)
    return user


@pytest.fixture
def measures(sla):
    agreement = sla["agreement"]
    payslips = add_measure(agreement, "payslips-on-time", name="Payslips on time")
    engage = add_measure(
        agreement, "engage-hours", name="Time to engage", factor="engagement", target=4, direction="lower", unit="hours"
    )
    history(payslips, [("met", 95.5), ("met", 96), ("met", 97), ("met", 97.5), ("no_data", 80), ("met", 98)])
    evaluate(
        payslips,
        MONTHS[-1],
        "at_risk",
        95.5,
        reason="95.5% so far; budget gone by 25 Nov at this pace",
        forecast=95.8,
        forecast_low=94.2,
        forecast_high=97.4,
        budget={"exhausted_on": "2026-11-25"},
    )
    evaluate(engage, MONTHS[-1], "no_data", None, reason="no data yet")
    point(payslips, NOW - timedelta(days=1))
    return {"payslips": payslips, "engage": engage}


# --- The service page ---------------------------------------------------------------------------


def test_the_service_page_loads_the_scorecard_and_the_agreements_maturity(client, sla, reader):
    html = page_text(client.get(SERVICE_URL))
    assert (
        '<section id="service-scorecard" aria-labelledby="scorecard-heading" '
        'hx-get="/services/payroll/scorecard/" hx-trigger="load" hx-swap="outerHTML">'
    ) in html
    assert '<a href="/services/payroll/scorecard/">See how Payroll does on its success measures' in html
    pk = sla["agreement"].pk
    assert f'hx-get="/agreements/{pk}/maturity/" hx-trigger="load"' in html


def test_the_fragment_shows_six_traffic_lights_in_words(client, sla, measures, reader):
    response = client.get(SCORECARD_URL, **HTMX)
    html = page_text(response)
    assert "HX-Request" in response["Vary"]
    assert not html.startswith("<!doctype")
    assert html.count('<li class="scorecard-light ') == 6
    assert (
        '<li class="scorecard-light scorecard-light--at_risk"> <span class="scorecard-light__lamp" aria-hidden="true">!'
        '</span> <span class="scorecard-light__text"> <a href="#factor-results">Results</a>: <strong>At risk</strong>'
    ) in html
    assert "Trend: ↗ Improving" in html  # May .. October, the no-data September left out
    assert "Forecast close to the target" in html  # 95.8, band 94.2 to 97.4 around 95
    # No verdict for engagement; the four factors without measures say so.
    assert '<a href="#factor-engagement">Engagement</a>: <strong>Not enough data</strong>' in html
    assert html.count("<strong>No measures</strong>") == 4


def test_each_measure_with_its_chart_value_target_forecast_and_status(client, sla, measures, reader):
    response = client.get(SCORECARD_URL, **HTMX)
    html = page_text(response)
    assert '<h3 id="factor-results">Results <span class="badge badge--risk-at-risk">' in html
    assert "Payslips on time <span" in html and "Finance · November 2026" in html
    assert '<td class="num">95.5% <span class="scorecard-table__sub">so far</span></td>' in html
    assert '<td class="num">at least 95%</td>' in html
    assert "Forecast 95.8% (likely between 94.2% and 97.4%)" in html
    assert "Error budget gone by 2026-11-25 at this pace" in html
    assert "95.5% so far; budget gone by 25 Nov at this pace" in html
    # The chart's data for charts.js: the periods, the target, the forecast with its range ...
    pk = measures["payslips"].pk
    spec = chart_spec(response, f"measure-chart-{pk}")
    assert spec["labels"][0] == "May 2026" and spec["labels"][-1] == "November 2026 (so far)"
    series, target, forecast = spec["datasets"]
    assert (series["style"], target["style"], forecast["style"]) == ("series", "target", "forecast")
    assert series["data"] == [95.5, 96, 97, 97.5, None, 98, 95.5]  # September: not enough data, a gap
    assert target["data"] == [95.0] * 7 and target["label"] == "Target (at least)"
    assert forecast["data"] == [None] * 6 + [95.8]
    assert (forecast["low"][-1], forecast["high"][-1]) == (94.2, 97.4)
    # ... and the same in words: its table alternative.
    table = chart_table(response, f"measure-chart-{pk}")
    assert "Payslips on time: each period against its target (at least 95%)" in table
    assert '<th scope="row">September 2026</th><td class="num">not enough data</td>' in table
    assert (
        '<th scope="row">November 2026 (so far)</th><td class="num">95.5%</td><td class="num">At risk</td>'
        '<td class="num">95.8% (likely 94.2% to 97.4%)</td>'
    ) in table
    # Engagement's measure: no value, no forecast, said as such.
    assert '<td class="num">–</td> <td class="num">at most 4 hours</td> <td>–</td>' in html
    assert "no data yet" in html


def test_the_error_budget_left_per_measure(client, sla, measures, reader):
    from sla.models import MeasureEvaluation

    MeasureEvaluation.objects.filter(measure=measures["payslips"], period_start=MONTHS[-1]).update(
        budget={"used_share": 0.8, "misses": 4, "allowed_misses": 5, "exhausted_on": "2026-11-25"}
    )
    response = client.get(SCORECARD_URL, **HTMX)
    spec = chart_spec(response, "chart-error-budget")
    assert spec["type"] == "bar" and spec["horizontal"]
    assert spec["labels"] == ["Payslips on time"]  # Time to engage has no budget
    assert spec["datasets"][0]["data"] == [20.0]
    table = chart_table(response, "chart-error-budget")
    assert (
        '<th scope="row">Payslips on time</th><td class="num">20%</td><td class="num">4 of 5</td>'
        '<td class="num">gone by 2026-11-25 at this pace</td>'
    ) in table


def test_without_a_budget_no_budget_chart(client, sla, measures, reader):
    assert 'id="chart-error-budget"' not in page_text(client.get(SCORECARD_URL, **HTMX))


def test_without_javascript_the_scorecard_is_a_page_with_the_agreements_maturity(client, sla, measures, reader):
    html = page_text(client.get(SCORECARD_URL))
    assert "<title>Payroll: scorecard · Accord</title>" in html
    assert '<a href="/services/payroll/scorecard/" aria-current="page">Scorecard</a>' in html
    assert '<h2 id="maturity-heading">Maturity of the agreements in force</h2>' in html
    # Time to engage has had no data point lately: Bronze, and what Silver needs.
    assert '<span class="maturity-badge maturity-badge--bronze">Maturity: Bronze</span>' in html
    assert "<li>Data in the current or last period for: Time to engage.</li>" in html


def test_a_service_without_measures_says_so(client, sla, reader):
    html = page_text(client.get(SCORECARD_URL, **HTMX))
    assert "No agreement in force defines success measures for Payroll yet." in html
    assert "scorecard-light" not in html


def test_readable_by_catalogue_readers_only(client, sla, measures, settings):
    assert client.get(SCORECARD_URL, **HTMX).status_code == 200  # public catalogue
    settings.CATALOGUE_PUBLIC = False
    response = client.get(SCORECARD_URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(f.business_user())
    assert client.get(SCORECARD_URL).status_code == 200
    assert client.get("/services/nope/scorecard/").status_code == 404


# --- The scorecard page: every trend of the service -------------------------------------------

# The scorecard page: 7 as before the trends were added (session, user, service, agreements,
# measures, evaluations, latest data points), then what the service page's sections read for
# the same charts: 3 for CSAT/NPS/CES (time zones, answers, invitations), 2 for attainment
# (clocks per month and priority, objectives), 3 for tickets (the user's groups for the scope,
# tickets, clocks).
SCORECARD_PAGE_QUERIES = 15
TRENDS = ("chart-attainment", "chart-ticket-load", "chart-feedback-csat", "chart-feedback-nps", "chart-feedback-ces")


def _trend_data(sla, *, tickets=1, responses=10, prefix="T"):
    """Survey answers this month, and tickets: each resolved but the last, opened 30 h ago."""
    half = responses // 2
    survey(
        sla["service"],
        NOW - timedelta(days=3),
        csat=[5] * half + [3] * half,
        nps=[10] * half + [6] * half,
        ces=[6] * half,
    )
    for n in range(tickets):
        opened = NOW - timedelta(hours=30, minutes=n)
        open_ticket(f"{prefix}-{n}", opened, **({} if n == tickets - 1 else {"resolved": opened + timedelta(hours=1)}))


def test_the_scorecard_page_draws_every_trend_as_the_service_pages_sections_do(client, sla, measures):
    """Attainment per month and priority, tickets open and at risk, CSAT/NPS/CES with the band,
    beside the measures and the error budget: each with its table, its data in json_script, and
    the same chart (builder and numbers) as the service page's own sections draw."""
    _trend_data(sla, tickets=3)
    MeasureEvaluation.objects.filter(measure=measures["payslips"], period_start=MONTHS[-1]).update(
        budget={"used_share": 0.8, "misses": 4, "allowed_misses": 5}
    )
    client.force_login(sla["owner"])
    page = client.get(SCORECARD_URL)
    html = page_text(page)
    assert '<h2 id="scorecard-sla-heading">SLA attainment and tickets</h2>' in html
    assert '<h2 id="scorecard-feedback-heading">What users say</h2>' in html
    sections = {
        "sla": client.get("/services/payroll/sla/", **HTMX),
        "feedback": client.get("/services/payroll/feedback/", **HTMX),
    }
    for chart_id in TRENDS:
        section = sections["feedback" if "feedback" in chart_id else "sla"]
        assert chart_spec(page, chart_id) == chart_spec(section, chart_id), chart_id
        assert chart_table(page, chart_id) == chart_table(section, chart_id), chart_id
        assert '<th scope="row">' in chart_table(page, chart_id)
    assert chart_spec(page, "chart-ticket-load")["datasets"][0]["data"][-1] == 1  # the one still open
    assert chart_spec(page, "chart-error-budget")  # the measures' charts stay
    assert "<script>" not in html and " onload=" not in html  # data only; charts.js draws it (CSP)
    # On the service page the scorecard is a fragment beside those sections: no chart twice.
    fragment = page_text(client.get(SCORECARD_URL, **HTMX))
    assert not any(f'id="{chart_id}"' in fragment for chart_id in TRENDS)


def test_the_scorecard_page_shows_tickets_only_to_those_signed_in(client, sla, measures):
    _trend_data(sla)
    html = page_text(client.get(SCORECARD_URL))  # the catalogue is public: anonymous reads the page
    assert 'id="chart-attainment"' not in html and 'id="chart-ticket-load"' not in html
    assert 'id="chart-feedback-csat"' in html


def test_the_scorecard_page_without_survey_answers_says_so(client, sla, measures, reader):
    html = page_text(client.get(SCORECARD_URL))
    assert "No survey responses about Payroll in the last" in html
    assert 'id="chart-feedback-csat"' not in html and 'id="chart-attainment"' in html


def test_the_scorecard_page_in_pinned_queries_whatever_its_rows(client, sla, django_assert_max_num_queries):
    """The scorecard (measures, budget), attainment, tickets and feedback: the same number of
    queries for 2 measures, 1 ticket and 10 answers as for 10 measures, 20 tickets and 60."""
    for index in range(2):
        _add(sla, index)
    _trend_data(sla, tickets=1)
    client.force_login(sla["owner"])
    _queries(client, SCORECARD_URL)  # warm up (sessions, content types)
    few = _queries(client, SCORECARD_URL)
    for index in range(2, 10):
        _add(sla, index)
    _trend_data(sla, tickets=20, responses=50, prefix="MORE")
    with django_assert_max_num_queries(SCORECARD_PAGE_QUERIES):
        client.get(SCORECARD_URL)
    assert _queries(client, SCORECARD_URL) == few


# --- Maturity badges ------------------------------------------------------------------------------


def maturity_url(agreement) -> str:
    return f"/agreements/{agreement.pk}/maturity/"


def test_the_agreement_page_loads_its_maturity(client, sla, reader):
    pk = sla["agreement"].pk
    html = page_text(client.get(f"/agreements/{pk}/"))
    assert (
        f'<div id="maturity-{pk}" class="maturity" hx-get="/agreements/{pk}/maturity/" hx-trigger="load" '
        f'hx-swap="outerHTML"> <a href="/agreements/{pk}/maturity/">Maturity of this agreement</a> </div>'
    ) in html


def test_the_maturity_badge_says_the_level_why_and_what_next(client, sla, reader):
    agreement = sla["agreement"]
    measure = add_measure(agreement, "payslips-on-time", name="Payslips on time")
    history(measure, [("met", 96)] * 6)
    point(measure, NOW - timedelta(days=1))
    html = page_text(client.get(maturity_url(agreement), **HTMX))
    assert html.startswith(f'<div id="maturity-{agreement.pk}" class="maturity">')
    assert '<span class="maturity-badge maturity-badge--gold">Maturity: Gold</span>' in html
    assert "<li>Every target met 3 periods running.</li>" in html
    assert "For " not in html  # nothing above Gold

    history_end = MONTHS[5]
    measure.evaluations.filter(period_start=history_end).update(status="missed")
    html = page_text(client.get(maturity_url(agreement), **HTMX))
    assert 'Maturity: Silver</span> <span class="maturity__next">what Gold needs</span>' in html
    assert "<li>Targets met 3 finished periods running, so far: Payslips on time (0 periods).</li>" in html


def test_below_bronze_and_history_versions(client, sla, reader):
    agreement = sla["agreement"]
    html = page_text(client.get(maturity_url(agreement), **HTMX))
    assert "Maturity: Not yet Bronze" in html
    assert "<li>Define at least one success measure.</li>" in html

    in_force(sla, sla["unit"], sla["rep"])  # supersedes version 1
    html = page_text(client.get(maturity_url(agreement), **HTMX))
    assert "No maturity: this version is superseded." in html
    page = page_text(client.get(f"/agreements/{agreement.pk}/"))
    assert "/maturity/" not in page  # no slot for history


def test_a_draft_maturity_is_for_those_who_may_see_the_draft(client, sla, reader):
    draft = catalog_services.agreement_draft_create(
        service=sla["service"], business_unit=None, actor=sla["owner"], scope="Everyone."
    )
    add_measure(draft, "payslips-on-time")
    assert client.get(maturity_url(draft), **HTMX).status_code == 404
    client.force_login(sla["owner"])
    html = page_text(client.get(maturity_url(draft)))
    assert f'<a href="/agreements/{draft.pk}/maturity/" aria-current="page">Maturity</a>' in html
    assert "Maturity: Bronze" in html and "<li>The signature for IT.</li>" in html


# --- Queries --------------------------------------------------------------------------------------


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **extra).status_code == 200
    return len(queries)


def _page_queries(client, agreement) -> tuple[int, int, int]:
    return (
        _queries(client, SERVICE_URL),
        _queries(client, SCORECARD_URL, **HTMX),
        _queries(client, maturity_url(agreement), **HTMX),
    )


def _add(sla, index):
    measure = add_measure(sla["agreement"], f"measure-{index}", factor=["results", "pace", "urgency"][index % 3])
    history(measure, [("met", 96 + index % 2)] * 6)
    evaluate(measure, MONTHS[-1], "at_risk", 95, forecast=95.5, forecast_low=94, forecast_high=97)
    point(measure, NOW - timedelta(hours=index + 1))


def test_the_service_page_with_its_scorecard_in_constant_queries(client, sla, reader):
    for index in range(2):
        _add(sla, index)
    _page_queries(client, sla["agreement"])  # warm up (sessions, content types)
    two = _page_queries(client, sla["agreement"])
    for index in range(2, 10):
        _add(sla, index)
    ten = _page_queries(client, sla["agreement"])
    assert ten == two
    assert "measure-9" not in page_text(client.get(SCORECARD_URL, **HTMX))  # names, not keys, are shown


# --- The sparkline presenter (pure) --------------------------------------------------------------


def period(label, value, status="met", current=False):
    start = MONTHS[0]
    return PeriodValue(start, start, label, value, status, current, not current)


def test_sparkline_geometry_target_line_band_and_gaps():
    chart = presenters.sparkline(
        [period("A", 90), period("B", 80, status="no_data"), period("C", 100), period("D", 95, "at_risk", True)],
        name="Share",
        target=95,
        unit="%",
        forecast=96,
        low=92,
        high=100,
    )
    # 90..100 with 10% of padding each side: 89..101 over y 35..5.
    assert [(round(p.x, 1), round(p.y, 1)) for p in chart.points] == [(6.0, 32.5), (98.0, 7.5), (144.0, 20.0)]
    assert chart.points[-1].current and not chart.points[0].current
    assert round(chart.target_y, 1) == 20.0
    assert (round(chart.band.y_top, 1), round(chart.band.y_bottom, 1), chart.band.x) == (7.5, 27.5, 154)
    assert chart.polyline == "6.0,32.5 98.0,7.5 144.0,20.0"
    assert chart.description == (
        "Share, by period: A: 90% (met); B: not enough data; C: 100% (met); D: 95% so far (at risk). "
        "Target 95%. At the period’s end: forecast 96% (likely between 92% and 100%)."
    )


def test_a_flat_sparkline_without_values_still_has_a_target_line():
    chart = presenters.sparkline([period("A", None, "no_data")], name="Hours", target=4, unit="hours")
    assert chart.points == () and chart.band is None
    assert 5 <= chart.target_y <= 35
    assert chart.description == "Hours, by period: A: not enough data. Target 4 hours."


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(97.0, "%", "97%"), (97.46, "%", "97.5%"), (1250, "", "1,250"), (4, "hours", "4 hours"), (None, "%", "–")],
)
def test_numbers_with_their_unit(value, unit, text):
    assert presenters.number(value, unit) == text
