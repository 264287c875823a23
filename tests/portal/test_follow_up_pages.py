"""Follow-up pages: the inbox (mine; everyone's for admins), filters, overdue highlighted, a
follow-up with the customer's answer (comment escaped) and the forms to record the call and
close it, the service page's recovery line. Read at a fixed `now`: Friday 13 November 2026,
13:00 (London, GMT); the service has no calendar, so the site's office hours count."""

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from feedback.models import FollowUp, FollowUpState, Response
from feedback.services import ResponseInput, response_record_external
from feedback.services.follow_ups import follow_up_close, follow_ups_check
from sla.models import Alert
from tests import factories as f
from tests.portal.helpers import page_text

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 13, 13, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def words(response) -> str:
    """What a reader sees: tags dropped, entities decoded, white space made one space."""
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page_text(response))).split())
    return re.sub(r" ([.,:;])", r"\1", text)


def day(number, hour=10):
    return datetime(2026, 11, number, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch, settings):
    settings.TIME_ZONE = "Europe/London"
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
    with time_machine.travel(NOW, tick=False):
        yield


def answer(service, email, when, comment="", **scores) -> Response:
    response, _ = response_record_external(
        service=service,
        external_id=f"{email}-{when.isoformat()}",
        answers=ResponseInput(comment=comment, **scores),
        submitted_at=when,
        respondent_email=email,
    )
    return response


@pytest.fixture
def business_owner(service):
    person = f.business_user(first_name="Bill", last_name="Business")
    service.business_owner = person
    service.save(update_fields=["business_owner"])
    return person


@pytest.fixture
def late(service):
    """Answered Monday 9 Nov 10:00, due Wednesday 11 Nov 10:00: overdue now."""
    response = answer(
        service, "ann@example.com", day(9), nps=2, comment="<script>alert(1)</script> Payslip wrong\nTwice."
    )
    return response.follow_up


@pytest.fixture
def fresh(service):
    """Answered today at noon, due Tuesday 17 Nov 12:00."""
    return answer(service, "bob@example.com", day(13, 12), csat=1).follow_up


@pytest.fixture
def closed(service, owner):
    follow_up = answer(service, "cat@example.com", day(2), ces=2).follow_up
    follow_up_close(follow_up=follow_up, actor=owner, outcome="Called", learned="Forms too long", now=day(3))
    return follow_up


@pytest.fixture
def elsewhere():
    other = f.ServiceFactory(name="Shop", slug="shop", service_owner=f.service_owner())
    return answer(other, "dan@example.com", day(12), nps=0).follow_up


def test_the_inbox_lists_my_open_follow_ups_soonest_due_first_overdue_highlighted(
    client, owner, late, fresh, closed, elsewhere, django_assert_max_num_queries
):
    client.force_login(owner)
    with django_assert_max_num_queries(6):  # session, user, groups, services for the filter, count, rows
        response = client.get("/follow-ups/")
    text = page_text(response)
    assert "2 follow-ups" in text
    assert text.index("ann@example.com") < text.index("bob@example.com")
    assert "cat@example.com" not in text and "dan@example.com" not in text
    html = response.content.decode()
    late_row = html[html.index(f'href="/follow-ups/{late.pk}/"') :][:1500]
    assert "badge--risk-breached" in late_row and "Overdue" in late_row and "due--late" in late_row
    fresh_row = html[html.index(f'href="/follow-ups/{fresh.pk}/"') :][:1500]
    assert "To contact" in fresh_row and "due--late" not in fresh_row
    assert '<tr class="is-overdue">' in html
    assert "NPS 2" in text and "CSAT 1" in text


def test_the_inbox_s_queries_do_not_grow_with_its_rows(client, owner, service, django_assert_max_num_queries):
    for number in range(8):
        answer(service, f"p{number}@example.com", day(12), nps=number % 7)
    client.force_login(owner)
    with django_assert_max_num_queries(6):
        assert "8 follow-ups" in page_text(client.get("/follow-ups/"))


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=overdue", ["ann"]),
        ("state=open", ["ann", "bob"]),
        ("state=closed", ["cat"]),
        ("state=any", ["cat", "ann", "bob"]),
        ("state=nonsense", ["ann", "bob"]),  # ignored, the error shown
        ("service=payroll&state=any", ["cat", "ann", "bob"]),
        ("whose=all", ["ann", "bob"]),  # my services' only: not the shop's
    ],
)
def test_filters(client, owner, late, fresh, closed, elsewhere, query, shown):
    client.force_login(owner)
    text = page_text(client.get(f"/follow-ups/?{query}"))
    found = [name for name in ("cat", "ann", "bob", "dan") if f"{name}@example.com" in text]
    assert sorted(found, key=text.index) == shown


def test_admins_see_everyone_s_follow_ups_when_they_ask(client, admin, late, fresh, elsewhere):
    client.force_login(admin)
    assert "No follow-up is open for you." in page_text(client.get("/follow-ups/"))
    text = page_text(client.get("/follow-ups/?whose=all"))
    assert "Everyone's" in words(client.get("/follow-ups/?whose=all"))
    assert all(f"{name}@example.com" in text for name in ("ann", "bob", "dan"))


def test_a_follow_up_page_shows_the_answer_with_the_comment_escaped(client, owner, late):
    client.force_login(owner)
    response = client.get(f"/follow-ups/{late.pk}/")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Payslip wrong<br>Twice." in html
    text = words(response)
    assert "Call back ann@example.com" in text
    assert "Likely to recommend (NPS, 0-10) 2" in text
    assert "Not contacted by its due date, Wed 11 Nov 2026, 10:00: call now." in text
    assert "Record the call" in text and "Close the follow-up" in text


def test_recording_the_call_then_closing(client, owner, late):
    client.force_login(owner)
    response = client.post(
        f"/follow-ups/{late.pk}/contacted/",
        {"contacted-outcome": "Re-ran the payslip.", "contacted-contacted_at": "2026-11-13T11:30"},
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert (late.state, late.contacted_at, late.outcome) == (
        FollowUpState.CONTACTED,
        day(13, 11).replace(minute=30),
        "Re-ran the payslip.",
    )
    text = page_text(client.get(f"/follow-ups/{late.pk}/"))
    assert "The call is recorded." in text
    assert "Record the call" not in text and "Close the follow-up" in text

    response = client.post(f"/follow-ups/{late.pk}/close/", {"close-learned": "Cut-off dates unclear."})
    assert response.status_code == 302
    late.refresh_from_db()
    assert (late.state, late.learned, late.outcome) == (
        FollowUpState.CLOSED,
        "Cut-off dates unclear.",
        "Re-ran the payslip.",
    )
    text = words(client.get(f"/follow-ups/{late.pk}/"))
    assert "What IT learned Cut-off dates unclear." in text
    assert "Close the follow-up" not in text


def test_contact_times_are_read_in_the_service_s_time_zone(client, owner, service, fresh):
    from sla.services import calendar_create

    service.support_calendar = calendar_create(
        name="Sydney", time_zone="Australia/Sydney", hours=dict.fromkeys(range(7), "00:00-24:00")
    )
    service.save(update_fields=["support_calendar"])
    client.force_login(owner)
    client.post(
        f"/follow-ups/{fresh.pk}/contacted/",
        {"contacted-outcome": "Called", "contacted-contacted_at": "2026-11-13T23:30"},  # AEDT, +11:00
    )
    fresh.refresh_from_db()
    assert fresh.contacted_at == day(13, 12).replace(minute=30)


@pytest.mark.parametrize(
    ("url", "data", "field_error"),
    [
        ("contacted", {"contacted-outcome": ""}, "This field is required."),
        (
            "contacted",
            {"contacted-outcome": "Called", "contacted-contacted_at": "2026-11-20T10:00"},
            "Record a call once it has happened, not in the future.",
        ),
        (
            "contacted",
            {"contacted-outcome": "Called", "contacted-contacted_at": "yesterday"},
            "Enter a valid date/time.",
        ),
        ("close", {"close-learned": "Something"}, "Say what came of the call"),
        ("close", {"close-outcome": "Called"}, "This field is required."),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(client, owner, late, url, data, field_error):
    client.force_login(owner)
    response = client.post(f"/follow-ups/{late.pk}/{url}/", data)
    text = page_text(response)
    assert "There is a problem" in text and field_error in text
    late.refresh_from_db()
    assert (late.state, late.outcome, late.learned) == (FollowUpState.OPEN, "", "")


def test_a_closed_follow_up_takes_no_more_and_says_so(client, owner, closed):
    client.force_login(owner)
    response = client.post(f"/follow-ups/{closed.pk}/contacted/", {"contacted-outcome": "Again"}, follow=True)
    assert "was closed on 03 Nov 2026" in page_text(response)
    assert "Record the call" not in page_text(response)


def test_the_business_owner_reads_but_may_not_act(client, business_owner, late):
    client.force_login(business_owner)
    text = page_text(client.get(f"/follow-ups/{late.pk}/"))
    assert "Call back ann@example.com" in text and "Record the call" not in text
    response = client.post(f"/follow-ups/{late.pk}/contacted/", {"contacted-outcome": "Called"})
    assert response.status_code == 403
    late.refresh_from_db()
    assert late.state == FollowUpState.OPEN
    assert "ann@example.com" in page_text(client.get("/follow-ups/?whose=all"))


def test_the_follow_up_s_owner_acts_though_not_the_service_owner(client, late):
    deputy = f.service_owner()
    FollowUp.objects.filter(pk=late.pk).update(owner=deputy)
    client.force_login(deputy)
    assert "ann@example.com" in page_text(client.get("/follow-ups/"))
    assert client.post(f"/follow-ups/{late.pk}/contacted/", {"contacted-outcome": "Called"}).status_code == 302


def test_other_people_find_nothing(client, reader, late):
    client.force_login(reader)
    assert "ann@example.com" not in page_text(client.get("/follow-ups/?whose=all"))
    assert client.get(f"/follow-ups/{late.pk}/").status_code == 404
    assert client.post(f"/follow-ups/{late.pk}/close/", {"close-learned": "x"}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, late):
    response = client.get("/follow-ups/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_service_page_loads_follow_ups_and_the_recovery_rate(client, owner, service, late, fresh):
    answer(service, "ann@example.com", day(12), nps=8)  # answered better since
    client.force_login(owner)
    assert 'hx-get="/services/payroll/follow-ups/"' in client.get("/services/payroll/").content.decode()
    text = words(client.get("/services/payroll/follow-ups/", **HTMX))
    assert "2 follow-ups open, 1 overdue." in text
    assert (
        "Q4 2026: 100% recovered: of 1 unhappy answer answered again, "
        "1 answered better the next time (1 no longer unhappy)." in text
    )
    assert "Q3 2026: no unhappy answer." in text
    page = page_text(client.get("/services/payroll/follow-ups/"))
    assert "Recovery" in page and "ann@example.com" in page and "bob@example.com" in page


def test_the_service_fragment_is_empty_for_people_who_may_not_see_follow_ups(client, reader, late):
    client.force_login(reader)
    response = client.get("/services/payroll/follow-ups/", **HTMX)
    assert (response.status_code, response.content) == (200, b"")
    assert client.get("/services/payroll/follow-ups/").status_code == 403


def test_an_overdue_alert_links_to_its_follow_up(client, owner, late):
    follow_ups_check(NOW)
    alert = Alert.objects.get(kind="follow_up_overdue")
    client.force_login(owner)
    html = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/follow-ups/{late.pk}/"' in html


def test_signed_in_people_find_follow_ups_in_the_navigation(client, owner):
    client.force_login(owner)
    page = client.get("/follow-ups/").content.decode()
    assert '<a href="/follow-ups/" aria-current="page">Follow-ups</a>' in page
