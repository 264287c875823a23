"""The public survey page through Django's test client: no sign-in, one answer per link,
friendly pages for used, expired and bad links, form errors for bad answers, a rate limit."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from feedback.models import FollowUp, Invitation, Response
from feedback.services.surveys import survey_settings_get, survey_settings_update
from feedback.tokens import invitation_token
from sla.models import Ticket
from tests import factories as f
from tests.feedback.conftest import at

NOW = at(3, 10)


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(invitation):
    """The survey link of the conftest's invitation (CSAT and NPS, valid 2-16 November)."""
    with time_machine.travel(at(2, 9), tick=False):
        return reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_the_form_needs_no_sign_in_and_works_without_javascript(client, link, now, django_assert_max_num_queries):
    client.get(link)  # creates the service's survey settings
    with django_assert_max_num_queries(2):  # the invitation with its service and ticket; the settings
        page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html
    assert "How satisfied are you with Payroll?" in html
    assert html.count('name="csat"') == 5 and html.count('name="nps"') == 11
    assert 'name="ces"' not in html  # not asked
    assert '<textarea name="comment"' in html
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]


def test_a_score_tapped_in_the_email_is_ticked_but_not_recorded(client, link, now):
    html = client.get(f"{link}?csat=4&nps=42").content.decode()
    assert 'value="4" id="id_csat_3" checked' in html
    assert "checked" not in html.split('name="nps"', 1)[1]  # out of scale: ignored
    assert not Response.objects.exists()


def test_an_answer_is_recorded_once_and_thanked(client, link, invitation, now):
    answer = client.post(link, {"csat": "5", "nps": "9", "comment": "  Quick and friendly.  "})
    assert answer.status_code == 302 and answer["Location"].endswith("/thanks/")
    response = Response.objects.get()
    assert (response.csat, response.nps, response.comment, response.source) == (5, 9, "Quick and friendly.", "web")
    assert (response.invitation, response.respondent_email) == (invitation, "ann@example.com")
    thanks = client.get(answer["Location"])
    assert thanks.status_code == 200 and "Your answer about Payroll has been recorded" in thanks.content.decode()

    again = client.post(link, {"csat": "1", "nps": "0"})
    assert again.status_code == 410
    assert "You have answered already: thank you" in again.content.decode()
    assert client.get(link).status_code == 410
    assert Response.objects.get().csat == 5


def test_a_detractor_is_told_the_owner_will_call_back(client, link, now):
    answer = client.post(link, {"csat": "1"}, follow=True)
    assert "will get in touch with you within two working days" in answer.content.decode()
    assert FollowUp.objects.count() == 1


def test_an_expired_link_gets_a_friendly_page_and_writes_nothing(client, link, invitation):
    with time_machine.travel(at(16, 9, 1), tick=False):
        page = client.get(link)
        assert page.status_code == 410
        assert "This survey has closed" in page.content.decode()
        assert client.post(link, {"csat": "4"}).status_code == 410
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_a_bad_link_is_not_found(client, link, now):
    for token in (link.split("/")[-2][:-3], "nonsense"):
        page = client.get(reverse("feedback:survey", kwargs={"token": token}))
        assert page.status_code == 404
        assert "This link does not work" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"csat": "9"}, "Choose from 1 to 5."),
        ({"nps": "-1"}, "Choose from 0 to 10."),
        ({"csat": "four"}, "Choose from 1 to 5."),
        ({"csat": "4", "comment": "x" * 2001}, "Keep the comment to 2,000 characters."),
        ({"comment": "No scores"}, "Choose at least one answer."),
    ],
)
def test_bad_answers_are_form_errors_and_nothing_is_written(client, link, invitation, now, data, message):
    page = client.post(link, data)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_comments_are_shown_escaped(client, link, now):
    page = client.post(link, {"csat": "9", "comment": "<script>alert(1)</script>"})
    html = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_the_ticket_title_is_in_the_question_and_escaped(client, service, now):
    ticket = Ticket.objects.create(
        service=service, source="sd", external_id="INC9", title="Printer <b>jammed</b>", opened_at=at(1, 9)
    )
    invitation = Invitation.objects.create(
        kind="event", service=service, ticket=ticket, kinds=["ces"], email="ann@example.com", nonce="t1",
        send_after=at(2, 9), expires_at=at(16, 9),
    )  # fmt: skip
    html = client.get(reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})).content.decode()
    assert (
        "Your request “Printer &lt;b&gt;jammed&lt;/b&gt;” was resolved. Are you now able to do what you needed?" in html
    )
    assert "IT made it easy for me to handle my request." in html


def test_no_comment_box_when_the_service_asks_for_none(client, link, service, now):
    survey_settings_update(settings=survey_settings_get(service=service), ask_comment=False)
    assert "<textarea" not in client.get(link).content.decode()


def test_a_relationship_survey_rates_the_six_factors(client, service, now):
    unit = f.BusinessUnitFactory(name="Finance")
    invitation = Invitation.objects.create(
        kind="relationship", service=service, business_unit=unit, period_start=date(2026, 10, 1),
        kinds=["engagement", "urgency", "ownership", "pace", "results", "user_experience"],
        email="ann@example.com", nonce="r1", send_after=at(2, 9), expires_at=at(16, 9),
    )  # fmt: skip
    link = reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})
    html = client.get(link).content.decode()
    assert "How is Payroll doing for you?" in html and "Q4 2026" in html
    assert "Does IT respond when we need it?" in html and html.count('type="radio"') == 30
    assert client.post(link, {"engagement": "6"}).status_code == 400
    assert client.post(link, {"engagement": "4", "results": "2", "comment": "Slow to deliver"}).status_code == 302
    response = Response.objects.get()
    assert (response.kind, response.business_unit, response.factor_ratings) == (
        "relationship",
        unit,
        {"engagement": 4, "results": 2},
    )


def test_the_page_is_rate_limited_per_address(client, link, settings, now):
    settings.FEEDBACK_SURVEY_RATE = "3/m"
    for _ in range(3):
        assert client.get(link).status_code == 200
    limited = client.get(link)
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "Please wait a moment" in limited.content.decode()
    assert client.post(link, {"csat": "5"}).status_code == 429
    assert not Response.objects.exists()
    assert client.get(link, REMOTE_ADDR="203.0.113.9").status_code == 200  # another address
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert client.get(link).status_code == 200  # the next minute


def test_the_page_works_without_cookies(link, now):
    browser = Client(enforce_csrf_checks=True)  # like a mail app's browser that refuses cookies
    page = browser.get(link)
    assert page.status_code == 200 and not page.cookies
    assert browser.post(link, {"csat": "4"}).status_code == 302
    assert Response.objects.count() == 1
