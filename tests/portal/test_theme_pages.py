"""Theme pages: a service's themes per period with its discovered topics (/services/<slug>/themes/),
the same across the services the reader may see (/themes/), who may read them, the period switch
and its bad input, comments escaped, the service page's link. Read at a fixed `now`: Friday 20
November 2026 (Q4; Q1-Q3 finished)."""

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from feedback.models import DiscoveredTopic, Response, Theme
from feedback.services.themes import themes_rematch
from tests import factories as f
from tests.portal.helpers import page_text

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"


def words(response) -> str:
    """What a reader sees: tags dropped, entities decoded, white space made one space."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page_text(response))).split())


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


def comments(service, when, *texts, **answers):
    return Response.objects.bulk_create(
        Response(service=service, submitted_at=when, comment=text, **answers) for text in texts
    )


@pytest.fixture
def vpn(owner):
    return f.ServiceFactory(name="VPN", slug="vpn", service_owner=f.service_owner())


@pytest.fixture
def themed(service, vpn):
    """Payroll: 10 comments in no theme in Q2; in Q3 'slow' 6 times (CSAT 2), 'friendly' 5 times
    (NPS 10) and 9 others; 2 'slow' so far in Q4. VPN: 'slow' 3 times in Q4. Discovered topics for
    Payroll and across the catalogue."""
    Theme.objects.create(name="Speed", slug="speed", phrases="slow\ntook ages", description="Waiting.")
    Theme.objects.create(name="Staff", slug="staff", phrases="friendly")
    q3, q4 = datetime(2026, 8, 3, tzinfo=UTC), datetime(2026, 10, 5, tzinfo=UTC)
    comments(service, datetime(2026, 5, 4, tzinfo=UTC), *["all good"] * 10, csat=5)
    comments(service, q3, *["too slow"] * 6, csat=2)
    comments(service, q3, *["friendly people"] * 5, nps=10)
    comments(service, q3, *[f"payslip missing {SCRIPT}"] * 9, csat=1)
    comments(service, q4, "slow", "took ages", csat=3)
    comments(vpn, q4, "slow", "slow", "slow", ces=2)
    themes_rematch()
    payslips = Response.objects.filter(comment__startswith="payslip")
    for owner in (service, None):
        topic = DiscoveredTopic.objects.create(
            label="payslip missing, payslip",
            terms=["payslip missing", "script", "alert"],
            service=owner,
            size=9,
            average_score=0.0,
            discovered_at=NOW,
        )
        topic.responses.set(payslips)


def test_the_owner_reads_the_services_themes_per_quarter_and_its_topics(client, owner, service, themed):
    client.force_login(owner)
    response = client.get(reverse("portal:service_themes", args=["payroll"]))
    text = words(response)
    assert "Payroll: themes in comments" in text
    assert "Q1 2026 Q2 2026 Q3 2026 Q4 2026 so far" in text
    assert "Speed Waiting. 0 0 6 30% of comments average 25 · 6 unhappy" in text
    assert "6 unhappy 2 100% of comments too few scores (2 of 5)" in text
    # Share: 0% in Q2, 30% in Q3; score: Q3 only (Q4 is not finished).
    assert "↑ more often not enough data average 25 over 8 comments" in text
    assert "Staff 0 0 5 25% of comments average 100" in text
    assert "32 comments in these quarters; 19 caught by no theme." in text
    # The discovered topic with recent comments, escaped.
    assert "payslip missing, payslip" in text and "9 comments · average score 0" in text
    assert text.count(f"payslip missing {SCRIPT}") == 3
    assert SCRIPT not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_months_or_weeks_on_request_and_an_unknown_period_says_so(client, owner, service, themed):
    client.force_login(owner)
    url = reverse("portal:service_themes", args=["payroll"])
    assert "August 2026 September 2026 October 2026 November 2026 so far" in words(client.get(url, {"period": "month"}))
    response = client.get(url, {"period": "fortnight"})
    assert response.status_code == 400
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    assert "Choose a week, a month or a quarter. Showing quarters." in text
    assert "Q4 2026 so far" in text


def test_only_the_services_owners_and_admins_read_its_comments(client, service, themed, unit, reader):
    url = reverse("portal:service_themes", args=["payroll"])
    assert client.get(url).status_code == 302  # sign in first
    member = f.business_user()
    f.MembershipFactory(user=member, business_unit=unit)
    for person in (reader, member, f.service_owner()):
        client.force_login(person)
        assert client.get(url).status_code == 403
    business_owner = f.business_user()
    service.business_owner = business_owner
    service.save(update_fields=["business_owner"])
    for person in (business_owner, f.admin_user()):
        client.force_login(person)
        assert client.get(url).status_code == 200
    assert client.get(reverse("portal:service_themes", args=["nothing"])).status_code == 404


def test_the_service_page_links_to_its_themes_for_those_who_may_read_them(client, owner, reader, service):
    link = reverse("portal:service_themes", args=["payroll"])
    client.force_login(owner)
    assert link in page_text(client.get(service.get_absolute_url()))
    client.force_login(reader)
    assert link not in page_text(client.get(service.get_absolute_url()))


def test_admins_read_themes_across_the_catalogue_and_where_they_are_heard(client, admin, themed):
    client.force_login(admin)
    text = words(client.get(reverse("portal:themes")))
    assert "what people write about the services of the catalogue" in text.lower()
    assert "Speed Waiting. 0 0 6 30% of comments average 25 · 6 unhappy 5 100% of comments" in text
    assert "Payroll (8), VPN (3)" in text
    assert "35 comments in these quarters; 19 caught by no theme." in text
    # Topics across the catalogue, with the service of each example.
    assert DiscoveredTopic.objects.filter(service=None).count() == 1
    assert text.count(f"payslip missing {SCRIPT} 3 Aug 2026, Payroll") == 3


def test_an_owner_reads_the_catalogue_page_for_their_services_only(client, owner, vpn, themed):
    client.force_login(vpn.service_owner)
    text = words(client.get(reverse("portal:themes")))
    assert "what people write about the services you own" in text.lower()
    assert "Speed Waiting. 0 0 0 3 100% of comments" in text and "VPN (3)" in text and "Payroll" not in text
    assert "payslip" not in text  # Payroll's topic and comments are not theirs
    client.force_login(owner)
    text = words(client.get(reverse("portal:themes")))
    assert "Payroll (8)" in text and "VPN" not in text
    assert "payslip missing, payslip at Payroll" in text


def test_people_owning_no_service_are_told_who_reads_comments(client, reader, themed):
    assert client.get(reverse("portal:themes")).status_code == 302
    client.force_login(reader)
    text = words(client.get(reverse("portal:themes")))
    assert "You own no service." in text and "Speed" not in text


def test_pages_without_themes_or_topics_say_so(client, owner, service):
    client.force_login(owner)
    text = words(client.get(reverse("portal:service_themes", args=["payroll"])))
    assert "No themes yet" in text
    assert "No recurring topic among the comments no theme caught" in text


def test_theme_pages_read_in_a_fixed_number_of_queries(
    client, owner, admin, service, themed, django_assert_max_num_queries
):
    # Session and user, the service, the overview (3), the topics with their examples (2), and
    # what the layout asks; whatever the number of themes, comments and topics.
    client.force_login(owner)
    with django_assert_max_num_queries(9):
        client.get(reverse("portal:service_themes", args=["payroll"]))
    more = Theme.objects.create(name="More", slug="more", phrases="payslip")
    themes_rematch(theme=more)
    with django_assert_max_num_queries(9):
        client.get(reverse("portal:service_themes", args=["payroll"]))
    client.force_login(admin)  # and where each theme is most heard (2), whether any service is theirs
    with django_assert_max_num_queries(11):
        client.get(reverse("portal:themes"))
