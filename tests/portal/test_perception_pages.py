"""The perception gap in the portal: both views on the service page (htmx fragment, or a page of
its own), the catalogue's largest gaps, and IT's self-assessment form (owner or admin)."""

import re
from datetime import UTC, date, datetime

import pytest

from feedback.models import SelfAssessment
from portal.perception import presenters
from tests import factories as f
from tests.feedback.test_perception import BUSINESS_VIEW, IT_VIEW, NOW, Q3, Q4, answer, assess
from tests.portal.helpers import page_text

SERVICE_URL = "/services/payroll/"
GAP_URL = "/services/payroll/perception-gap/"
FORM_URL = "/services/payroll/self-assessment/"
CATALOGUE_URL = "/perception-gaps/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def owner(db):
    return f.service_owner(username="owner", first_name="Olive", last_name="Owner")


@pytest.fixture
def payroll(owner):
    return f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner)


@pytest.fixture
def q3(payroll):
    """Payroll's Q3 as in the worked example (tests/feedback/test_perception.py)."""
    assessment = assess(payroll, Q3)
    assessment.note = "Short-staffed in August."
    assessment.save(update_fields=["note"])
    for ratings in BUSINESS_VIEW:
        answer(payroll, ratings, submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    return assessment


@pytest.fixture
def reader(client, db):
    user = f.business_user(username="reader")
    client.force_login(user)
    return user


# --- On the service page ------------------------------------------------------------------------


def test_the_service_page_loads_both_views_with_htmx_or_links_to_them(client, payroll):
    text = client.get(SERVICE_URL).content.decode()
    assert f'hx-get="{GAP_URL}"' in text
    assert f'href="{GAP_URL}"' in text


def test_the_fragment_shows_both_views_per_factor_with_the_gap(client, reader, q3, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = client.get(GAP_URL, **HTMX)
    text = page_text(response)
    assert "<html" not in text  # a fragment
    assert "HX-Request" in response.headers["Vary"]
    assert "How IT and the business see it: Q3 2026" in text
    assert "On average IT rates itself 0.5 points higher than the business does." in text
    # Engagement: IT 4, business (4 + 3 + 2) / 3 = 3, gap +1.
    assert 'Engagement <span class="perception-table__sub">Does IT respond when we need it?</span>' in text
    assert "4 out of 5" in text
    assert '3 out of 5 <span class="perception-table__sub">from 3 answers</span>' in text
    assert (
        '<strong>+1</strong> <span class="perception-table__sub">IT rates itself higher than the business does' in text
    )
    # Urgency: 4.5 from 4 answers against IT's 3.
    assert '4.5 out of 5 <span class="perception-table__sub">from 4 answers</span>' in text
    assert "<strong>\N{MINUS SIGN}1.5</strong>" in text
    assert "The business rates IT higher than IT rates itself" in text
    # Ownership: two answers, no gap; pace: nobody answered.
    assert "from 2 answers: too few for a gap (3 needed)" in text
    assert "No answers" in text
    assert '<strong>0</strong> <span class="perception-table__sub">Both views agree' in text
    assert 'perception-bar__fill--it" width="80"' in text  # IT's 4 out of 5
    assert "Short-staffed in August." in text
    assert "4 answers this quarter" in text
    assert "Rate Q3 2026 for IT" not in text and "Change IT’s view" not in text  # a reader may not


def test_the_owner_is_offered_to_rate_or_change_it(client, owner, q3, payroll):
    client.force_login(owner)
    text = page_text(client.get(GAP_URL, **HTMX))
    assert f'href="{FORM_URL}?quarter=2026-Q3">Change IT’s view of Q3 2026</a>' in text
    text = page_text(client.get(GAP_URL, {"quarter": "2026-Q2"}, **HTMX))
    assert f'href="{FORM_URL}?quarter=2026-Q2">Rate Q2 2026 for IT</a>' in text
    assert "Neither IT nor the business has rated this quarter yet." in text


def test_other_quarters_are_a_link_away_but_not_the_future(client, reader, q3):
    text = page_text(client.get(GAP_URL, {"quarter": "2026-Q4"}, **HTMX))
    assert f'href="{GAP_URL}?quarter=2026-Q3"' in text
    assert "?quarter=2027-Q1" not in text
    text = page_text(client.get(GAP_URL, {"quarter": "2026-Q3"}, **HTMX))
    assert f'href="{GAP_URL}?quarter=2026-Q4"' in text


@pytest.mark.parametrize(
    ("quarter", "notice"),
    [("2027-Q1", "Q1 2027 has not started yet."), ("soon", "Give the quarter as year and quarter, e.g. 2026-Q4")],
)
def test_a_bad_quarter_shows_the_latest_with_a_notice(client, reader, q3, quarter, notice):
    text = page_text(client.get(GAP_URL, {"quarter": quarter}))
    assert notice in text
    assert "Showing Q3 2026." in text


def test_without_javascript_it_is_a_page_of_its_own(client, reader, q3):
    text = page_text(client.get(GAP_URL))
    assert "<html" in text
    assert 'aria-current="page">Perception gap</a>' in text
    assert "+2.5" in text  # results: 5 against 2.5


def test_a_private_catalogue_sends_visitors_to_sign_in(client, payroll, settings):
    settings.CATALOGUE_PUBLIC = False
    for url in (GAP_URL, CATALOGUE_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_an_unknown_service_is_a_404(client, reader):
    assert client.get("/services/nope/perception-gap/").status_code == 404
    assert client.get("/services/nope/self-assessment/").status_code == 404


# --- The catalogue's largest gaps ---------------------------------------------------------------


def test_the_catalogue_lists_the_largest_gaps_first(client, reader, q3, django_assert_max_num_queries):
    shop = f.ServiceFactory(name="Online shop", slug="shop")
    assess(shop, Q3, dict.fromkeys(IT_VIEW, 2))
    for _ in range(3):
        answer(shop, dict.fromkeys(IT_VIEW, 4), submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    with django_assert_max_num_queries(10):
        text = page_text(client.get(CATALOGUE_URL))
    assert "Largest perception gaps: Q3 2026" in text
    rows = text.split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 4 + 6
    assert f'href="{GAP_URL}?quarter=2026-Q3">Payroll</a>' in rows[0] and "+2.5" in rows[0] and "Results" in rows[0]
    assert "Online shop" in rows[1] and "Engagement" in rows[1] and "\N{MINUS SIGN}2" in rows[1]
    assert '<option value="2026-Q3">Q3 2026</option>' in text


def test_the_catalogue_s_gaps_of_another_quarter(client, reader, q3, payroll):
    assess(payroll, date(2026, 4, 1))
    text = page_text(client.get(CATALOGUE_URL, {"quarter": "2026-Q2"}))
    assert "No gap in Q2 2026" in text
    assert '<option value="2026-Q2" selected>Q2 2026</option>' in text
    text = page_text(client.get(CATALOGUE_URL, {"quarter": "last year"}))
    assert "Give the quarter as year and quarter" in text
    assert "Largest perception gaps: Q3 2026" in text


def test_numbers_are_written_plainly():
    assert [presenters.number(value) for value in (3, 4.5, 13 / 3, -4 / 3, -0.001)] == [
        "3",
        "4.5",
        "4.33",
        "\N{MINUS SIGN}1.33",
        "0",
    ]
    assert [presenters.signed(value) for value in (1, -1.5, 0.0, 2 / 3)] == ["+1", "\N{MINUS SIGN}1.5", "0", "+0.67"]


def test_no_gap_yet(client, reader, payroll):
    assert "No perception gap yet" in page_text(client.get(CATALOGUE_URL))


# --- IT's self-assessment form ------------------------------------------------------------------


def rating_data(ratings=IT_VIEW, quarter="2026-Q4", note=""):
    return {**{k: str(v) for k, v in ratings.items()}, "quarter": quarter, "note": note}


def test_the_owner_rates_the_six_factors_in_business_words(client, owner, payroll):
    client.force_login(owner)
    text = page_text(client.get(FORM_URL))
    assert "IT’s view of Payroll: Q4 2026" in text  # the current quarter by default
    for question in (
        "Does IT respond when we need it?",
        "Is urgent work done fast?",
        "How do people find the service?",
    ):
        assert question in text
    assert text.count('type="radio"') == 6 * 5
    assert text.count("<fieldset") >= 6
    assert "5 – Excellent" in text
    assert f'href="{FORM_URL}?quarter=2026-Q1"' in text and "?quarter=2027-Q1" not in text

    response = client.post(FORM_URL, rating_data(note="A good quarter."))
    assert response.status_code == 302
    assert response.url == f"{GAP_URL}?quarter=2026-Q4"
    stored = SelfAssessment.objects.get()
    assert (stored.period_start, stored.ratings, stored.note, stored.by) == (Q4, IT_VIEW, "A good quarter.", owner)
    assert "IT’s view of Payroll for Q4 2026 is saved." in page_text(client.get(response.url))


def test_a_rated_quarter_is_shown_as_it_was_and_replaced(client, owner, q3):
    client.force_login(owner)
    text = page_text(client.get(FORM_URL, {"quarter": "2026-Q3"}))
    checked = re.findall(r'<input type="radio" name="(\w+)" value="(\d)" [^>]*checked>', text)
    assert {name: int(value) for name, value in checked} == IT_VIEW
    assert "Short-staffed in August." in text
    assert "saving replaces that view" in text
    assert 'Q3 2026</a> <span class="muted">(rated)</span>' in text
    client.post(FORM_URL, rating_data(IT_VIEW | {"pace": 4}, quarter="2026-Q3"))
    q3.refresh_from_db()
    assert (q3.ratings["pace"], q3.note) == (4, "")
    assert SelfAssessment.objects.count() == 1


def test_a_missing_rating_is_named_and_nothing_is_saved(client, owner, payroll):
    client.force_login(owner)
    data = rating_data()
    del data["pace"]
    text = page_text(client.post(FORM_URL, data))
    assert "There is a problem" in text
    assert "Rate Pace from 1 to 5." in text
    assert not SelfAssessment.objects.exists()


def test_a_future_quarter_cannot_be_rated(client, owner, payroll):
    client.force_login(owner)
    text = page_text(client.get(FORM_URL, {"quarter": "2027-Q1"}))
    assert "Q1 2027 has not started yet. Showing Q4 2026." in text
    text = page_text(client.post(FORM_URL, rating_data(quarter="2027-Q1")))
    assert "Q1 2027 has not started yet: rate the current or a past quarter." in text
    assert not SelfAssessment.objects.exists()


def test_an_admin_may_rate_it(client, payroll):
    client.force_login(f.admin_user())
    assert client.post(FORM_URL, rating_data()).status_code == 302
    assert SelfAssessment.objects.exists()


@pytest.mark.parametrize("who", ["reader", "other_owner"])
def test_nobody_else_may(client, payroll, who):
    client.force_login(f.business_user() if who == "reader" else f.service_owner())
    assert client.get(FORM_URL).status_code == 403
    response = client.post(FORM_URL, rating_data())
    assert response.status_code == 403
    assert "Only the owner of “Payroll” or an admin may rate it for IT." in response.content.decode()
    assert not SelfAssessment.objects.exists()


def test_visitors_are_asked_to_sign_in(client, payroll):
    response = client.get(FORM_URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
