"""The feedback section of the service page (an htmx fragment, or a page of its own without
JavaScript): scores with their interval or "not enough responses", rank, median, trend arrows,
sparklines, the period switch; rights, bad input and query counts; the presenter's words."""

from datetime import timedelta

import pytest

from feedback import scores
from portal.feedback_scores import presenters
from tests import factories as f
from tests.feedback.test_summary import NOW, Q3, Q4, invite, survey
from tests.portal.helpers import chart_spec, chart_table, page_text

SERVICE_URL = "/services/payroll/"
URL = "/services/payroll/feedback/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def reader(client, db):
    user = f.business_user(username="reader")
    client.force_login(user)
    return user


@pytest.fixture
def services(db):
    payroll = f.ServiceFactory(name="Payroll", slug="payroll")
    email = f.ServiceFactory(name="Email", slug="email")
    laptops = f.ServiceFactory(name="Laptops", slug="laptops")
    survey(
        payroll,
        Q4 + timedelta(days=10),
        csat=[5, 5, 4, 4, 4, 5, 4, 3, 2, 1],
        nps=[9, 9, 10, 10, 9, 7, 8, 8, 6, 0],
        ces=[5, 6, 7],
    )
    survey(payroll, Q3 + timedelta(days=10), csat=[5] * 5 + [1] * 5, nps=[10] * 5 + [0] * 5)
    survey(payroll, Q3 - timedelta(days=80), csat=[5] * 4 + [1] * 6)  # Q2: 40%
    survey(email, Q4 + timedelta(days=3), csat=[5] * 9 + [2], nps=[10] * 10)
    survey(laptops, Q4 + timedelta(days=3), csat=[4] * 5 + [3] * 5, nps=[0] * 10)
    for day in range(4):
        invite(payroll, Q4 + timedelta(days=day), answered_at=Q4 + timedelta(days=day, hours=1) if day else None)
    return {"payroll": payroll, "email": email, "laptops": laptops}


def row_of(text: str, label: str) -> str:
    start = text.index(f'<th scope="row">{label} ')
    return text[start : text.index("</tr>", start)]


# --- The service page -----------------------------------------------------------------------------


def test_the_service_page_loads_the_section_with_htmx_and_links_to_it(client, reader, services):
    text = page_text(client.get(SERVICE_URL))
    assert 'id="service-feedback"' in text
    assert f'hx-get="{URL}" hx-trigger="load" hx-swap="outerHTML"' in text
    assert f'<a href="{URL}">See how satisfied people are with Payroll' in text


def test_the_fragment_shows_each_score_with_its_interval_rank_median_and_trend(client, reader, services):
    response = client.get(URL, **HTMX)
    text = page_text(response)
    assert "<html" not in text and text.startswith('<section id="service-feedback"')
    assert "HX-Request" in response["Vary"]
    assert "Q4 2026: 10 responses so far · Response rate 75% (3 of 4 invitations sent this quarter answered)." in text
    csat = row_of(text, "CSAT")
    assert "<strong>70%</strong>" in csat
    assert "likely 39.7% to 89.2% · 10 responses" in csat
    assert "Q3 2026: 50%" in csat
    assert "<td>2nd of 3 services</td>" in csat
    assert '<td class="num">70%</td>' in csat  # the median of 90%, 70% and 50%
    assert "<td>↗ Improving</td>" in csat  # Q2 40%, Q3 50%
    nps = row_of(text, "NPS")
    assert "<strong>+30</strong>" in nps
    assert "likely -18.4 to +78.4" in nps
    assert "Q3 2026: 0" in nps
    assert "<td>2nd of 3 services</td>" in nps and '<td class="num">+30</td>' in nps


def test_not_enough_responses_gives_no_score_and_no_rank(client, reader, services):
    ces = row_of(page_text(client.get(URL, **HTMX)), "CES")
    assert '<span class="muted">Not enough responses: 3 of 10</span>' in ces
    assert "<strong>" not in ces
    assert "<td>–</td>" in ces  # no rank, no trend
    assert "Q3 2026: no responses" in ces


def test_charts_with_the_confidence_band_and_their_tables(client, reader, services):
    response = client.get(URL, **HTMX)
    spec = chart_spec(response, "chart-feedback-csat")
    assert spec["labels"] == ["Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026 (so far)"]
    low, high, value, median = spec["datasets"]
    assert [d["style"] for d in spec["datasets"]] == ["band-low", "band-high", "series", "target"]
    assert value["data"] == [None, None, None, 40.0, 50.0, 70.0]
    assert [round(x, 1) if x is not None else None for x in low["data"]] == [None, None, None, 16.8, 23.7, 39.7]
    assert [round(x, 1) if x is not None else None for x in high["data"]] == [None, None, None, 68.7, 76.3, 89.2]
    assert median["data"][-1] == 70.0
    table = chart_table(response, "chart-feedback-csat")
    assert "CSAT by quarter, with its 95% confidence band" in table
    assert (
        '<th scope="row">Q4 2026 (so far)</th><td class="num">70%</td><td class="num">39.7% to 89.2%</td>'
        '<td class="num">10</td><td class="num">70%</td>'
    ) in table
    assert '<th scope="row">Q1 2026</th><td class="num">no responses</td>' in table
    for kind in ("nps", "ces"):
        assert chart_spec(response, f"chart-feedback-{kind}")["datasets"][2]["label"] == kind.upper()


def test_without_javascript_a_page_of_its_own(client, reader, services):
    text = page_text(client.get(URL))
    assert "<title>Payroll: what users say" in text
    assert '<a href="/services/payroll/feedback/" aria-current="page">What users say</a>' in text
    assert "<strong>70%</strong>" in text


def test_monthly_scores(client, reader, services):
    text = page_text(client.get(URL, {"period": "month"}, **HTMX))
    assert '<strong aria-current="true">month</strong>' in text
    assert 'hx-get="/services/payroll/feedback/?period=quarter"' in text
    assert "November 2026: 0 responses so far" in text  # the answers came in October
    assert "CSAT by month, with its 95% confidence band" in text
    assert "October 2026: 70%" in row_of(text, "CSAT")


def test_an_unknown_period_is_a_400_that_says_so(client, reader, services):
    response = client.get(URL, {"period": "year"})
    assert response.status_code == 400
    text = " ".join(response.content.decode().split())
    assert "Choose a week, a month or a quarter. Showing quarters." in text
    assert "<strong>70%</strong>" in text


def test_no_responses_at_all(client, reader, db):
    f.ServiceFactory(name="Payroll", slug="payroll")
    text = page_text(client.get(URL, **HTMX))
    assert "No survey responses about Payroll in the last 6 quarters." in text
    assert "<table" not in text


def test_rights_and_unknown_services(client, services, settings):
    settings.CATALOGUE_PUBLIC = False
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(f.business_user(username="someone"))
    assert client.get("/services/nothing/feedback/").status_code == 404
    assert client.get(URL).status_code == 200


def test_queries_are_fixed(client, reader, services, django_assert_max_num_queries):
    for i in range(10):
        survey(f.ServiceFactory(slug=f"s{i}"), Q4 + timedelta(days=5), csat=[4] * 10 if i < 2 else [1] * 10)
    # Session and user, the service, the time zones, the answers, the invitations.
    with django_assert_max_num_queries(6):
        text = page_text(client.get(URL, **HTMX))
    assert "<td>4th of 13 services</td>" in row_of(text, "CSAT")  # after two at 100% and Email's 90%


# --- The presenter ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        (scores.CSAT, 70.0, "70%"),
        (scores.CSAT, 66.6667, "66.7%"),
        (scores.NPS, 30.0, "+30"),
        (scores.NPS, -12.5, "-12.5"),
        (scores.NPS, 0.0, "0"),
        (scores.NPS, 0.01, "0"),
        (scores.CES, 5.64, "5.6"),
        (scores.CES, None, "–"),
    ],
)
def test_scores_in_words(kind, value, text):
    assert presenters.score_text(kind, value) == text
