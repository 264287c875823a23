"""The lists of reviews: a service's (`/services/<slug>/reviews/`) and a business unit's
(`/units/<slug>/reviews/`): the last six months and four quarters, most recent first, each linking
to its review, the prepared ones marked; a unit's list for its people only; a pinned number of
queries that does not grow with the number of reviews prepared."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.reviews.models import Review
from tests import factories as f
from tests.portal.helpers import page_text
from tests.portal.test_reviews import NOW  # 3 December 2026
from tests.portal.test_reviews import november as november  # the fixture: Payroll's November
from tests.sla.conftest import sla as sla

pytestmark = pytest.mark.django_db
# session, user, the subject (scoped), its prepared reviews, the user's groups: measured 5 on
# SQLite and PostgreSQL for both lists, and the same with more reviews prepared.
LIST_QUERIES = 5
PERIODS = [
    ("2026-12", "December 2026"),
    ("2026-11", "November 2026"),
    ("2026-10", "October 2026"),
    ("2026-09", "September 2026"),
    ("2026-08", "August 2026"),
    ("2026-07", "July 2026"),
    ("2026-Q4", "Q4 2026"),
    ("2026-Q3", "Q3 2026"),
    ("2026-Q2", "Q2 2026"),
    ("2026-Q1", "Q1 2026"),
]


def _items(html: str) -> list[str]:
    return html.split('<ul class="review-periods">')[1].split("</ul>")[0].split("<li>")[1:]


def _get(client, url: str, django_assert_max_num_queries) -> str:
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(LIST_QUERIES):
        return page_text(client.get(url))


def test_a_services_list_links_each_period_and_marks_the_prepared(november, client, django_assert_max_num_queries):
    # October's review holds the fixture's action; Q3's prepared too; another service's and the
    # unit's own November review are not Payroll's.
    Review.objects.create(service=november["service"], period="quarter", period_start=date(2026, 7, 1))
    Review.objects.create(service=f.ServiceFactory(), period="month", period_start=date(2026, 11, 1))
    Review.objects.create(business_unit=november["unit"], period="month", period_start=date(2026, 11, 1))
    client.force_login(f.business_user())
    html = _get(client, reverse("portal:service_reviews", args=["payroll"]), django_assert_max_num_queries)
    assert "<h1>Payroll: service reviews</h1>" in html
    items = _items(html)
    assert [(code, label) for code, label in PERIODS] == [
        (item.split("/reviews/")[1].split("/")[0], item.split('">')[1].split("</a>")[0]) for item in items
    ]
    assert all(item.startswith('<a href="/services/payroll/reviews/') for item in items)
    prepared = [code for (code, _), item in zip(PERIODS, items, strict=True) if "Prepared" in item]
    assert prepared == ["2026-10", "2026-Q3"]


def test_a_units_list_is_its_peoples_and_links_the_units_reviews(november, client, django_assert_max_num_queries):
    Review.objects.create(business_unit=november["unit"], period="month", period_start=date(2026, 11, 1))
    Review.objects.create(business_unit=november["unit"], period="quarter", period_start=date(2026, 4, 1))
    Review.objects.create(service=november["service"], period="month", period_start=date(2026, 9, 1))
    url = reverse("portal:unit_reviews", args=["finance"])
    client.force_login(november["rep"])
    html = _get(client, url, django_assert_max_num_queries)
    assert "<h1>Finance: service reviews</h1>" in html and "across the services Finance uses" in html
    items = _items(html)
    assert [item.split('href="')[1].split('"')[0] for item in items] == [
        f"/units/finance/reviews/{code}/" for code, _ in PERIODS
    ]
    prepared = [code for (code, _), item in zip(PERIODS, items, strict=True) if "Prepared" in item]
    assert prepared == ["2026-11", "2026-Q2"]  # the unit's, not Payroll's September
    client.force_login(f.business_user())  # of no unit
    with time_machine.travel(NOW, tick=False):
        assert client.get(url).status_code == 404
        assert client.get(reverse("portal:unit_reviews", args=["no-such"])).status_code == 404


@pytest.mark.parametrize("name", ["portal:service_reviews", "portal:unit_reviews"])
def test_the_lists_cost_the_same_queries_with_more_reviews(november, client, name, django_assert_max_num_queries):
    url = reverse(name, args=["payroll" if name == "portal:service_reviews" else "finance"])
    client.force_login(november["rep"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            _get(client, url, django_assert_max_num_queries)
        return len(captured)

    few = count()
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            start = date(year, month, 1)
            Review.objects.get_or_create(service=november["service"], period="month", period_start=start)
            Review.objects.get_or_create(business_unit=november["unit"], period="month", period_start=start)
            if month % 3 == 1:
                Review.objects.get_or_create(service=november["service"], period="quarter", period_start=start)
                Review.objects.get_or_create(business_unit=november["unit"], period="quarter", period_start=start)
    assert count() == few
    assert _get(client, url, django_assert_max_num_queries).count("Prepared") == len(PERIODS)
