"""Catalogue home, search, categories and the service page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.costs.services import service_cost_set
from catalog.models import Lifecycle
from tests.factories import AgreementFactory, BusinessUnitFactory, CategoryFactory, ServiceFactory, service_owner
from tests.portal.helpers import agree

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Home page ----------------------------------------------------------------------


def test_home_lists_categories_with_counts_of_current_services(client):
    hr = CategoryFactory(name="People", slug="people")
    ServiceFactory.create_batch(2, category=hr)
    ServiceFactory(category=hr, lifecycle=Lifecycle.RETIRED)
    html = _html(client.get("/catalogue/"))
    assert "<h1>Service catalogue</h1>" in html
    expected = '<a href="/categories/people/">People</a> <span class="count">2<span class="visually-hidden"> services'
    assert expected in html


def test_home_shows_each_service_with_its_facts(client, service):
    html = _html(client.get("/catalogue/"))
    assert f'<a href="/services/{service.slug}/">Payroll</a>' in html
    assert "Keeps the business running." in html
    assert service.category.name in html
    assert '<span class="badge badge--live">Live</span>' in html
    assert "Tier 2 – important" in html
    assert "Olive Owner" in html


def test_search_finds_by_words_and_keeps_the_query_in_the_box(client):
    ServiceFactory(name="Payroll", keywords="salary, pay")
    ServiceFactory(name="Laptops", keywords="hardware")
    html = _html(client.get("/", {"q": "salary"}))
    assert "Payroll" in html and "Laptops" not in html
    assert 'value="salary"' in html
    assert "1 service found" in html


def test_filters_by_category_business_unit_and_lifecycle(client):
    unit = BusinessUnitFactory(slug="sales")
    apps = CategoryFactory(slug="apps")
    ServiceFactory(name="CRM", category=apps, business_units=[unit])
    ServiceFactory(name="Wiki", category=apps)
    ServiceFactory(name="Phones")
    ServiceFactory(name="Fax", category=apps, lifecycle=Lifecycle.RETIRED, business_units=[unit])

    def names(**params):
        html = _html(client.get("/", params))
        return {n for n in ("CRM", "Wiki", "Phones", "Fax") if f">{n}</a>" in html}

    assert names() == {"CRM", "Wiki", "Phones"}  # retired hidden by default
    assert names(category="apps") == {"CRM", "Wiki"}
    assert names(business_unit="sales") == {"CRM"}
    assert names(lifecycle="retired") == {"Fax"}
    assert names(lifecycle="any", business_unit="sales") == {"CRM", "Fax"}


def test_unknown_filter_values_are_ignored_with_a_message_not_an_error(client, service):
    html = _html(client.get("/", {"category": "nope", "lifecycle": "bogus", "page": "x"}))
    assert "Payroll" in html
    assert "Select a valid choice" in html


def test_results_are_paginated_by_fifty(client):
    ServiceFactory.create_batch(51)
    first = _html(client.get("/catalogue/"))
    assert "51 services, page 1 of 2" in first
    assert first.count('class="service-card"') == 50
    assert '<a href="?page=2" rel="next">' in first
    assert _html(client.get("/", {"page": 2})).count('class="service-card"') == 1


def test_htmx_search_returns_only_the_results(client, service):
    ServiceFactory(name="Laptops")
    response = client.get("/", {"q": "payroll"}, headers={"HX-Request": "true", "HX-Target": "results"})
    html = _html(response)
    assert "<html" not in html and "<header" not in html and "<form" not in html
    assert f'<a href="/services/{service.slug}/">Payroll</a>' in html
    assert "Laptops" not in html
    # The result count outside the swapped region is updated out of band.
    assert 'id="result-count" class="result-count" role="status" hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, service):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Target": "results"}
    assert "<h1>Service catalogue</h1>" in _html(client.get("/", headers=headers))


def test_search_form_works_without_javascript_and_with_htmx(client):
    html = _html(client.get("/catalogue/"))
    assert '<form class="filters" method="get" action="/catalogue/" role="search"' in html
    assert 'hx-get="/catalogue/" hx-target="#results" hx-push-url="true"' in html
    assert '<input type="search" name="q"' in html
    assert '<label for="id_q">' in html


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_page_query_count_does_not_grow_with_the_catalogue(
    client, django_assert_max_num_queries, reader, signed_in
):
    if signed_in:
        client.force_login(reader)
    units = BusinessUnitFactory.create_batch(3)
    categories = CategoryFactory.create_batch(3)
    owner = service_owner()
    for i in range(10):
        ServiceFactory(category=categories[i % 3], service_owner=owner, business_units=units)
    # Session, user, groups and model permissions (signed in); categories with counts,
    # filter choices (2), count, page of services, their business units.
    with django_assert_max_num_queries(11):
        small = _count_queries(client, "/catalogue/?q=service")
    for i in range(90):
        ServiceFactory(category=categories[i % 3], business_units=units[: i % 3])
    with django_assert_max_num_queries(11):
        large = _count_queries(client, "/catalogue/?q=service")
    assert small == large


# --- Category page ------------------------------------------------------------------


def test_category_page_lists_its_current_services(client):
    apps = CategoryFactory(name="Applications", slug="apps", description="Software we run for you.")
    ServiceFactory(name="CRM", category=apps)
    ServiceFactory(name="Fax", category=apps, lifecycle=Lifecycle.RETIRED)
    ServiceFactory(name="Phones")
    html = _html(client.get("/categories/apps/"))
    assert "<h1>Applications</h1>" in html
    assert "Software we run for you." in html
    assert ">CRM</a>" in html and ">Fax</a>" not in html and ">Phones</a>" not in html
    assert 'href="/catalogue/?category=apps&amp;lifecycle=retired"' in html


def test_unknown_category_is_404(client):
    assert client.get("/categories/nope/").status_code == 404


# --- Service page -------------------------------------------------------------------


def test_service_page_shows_what_it_is_and_who_looks_after_it(client, service, unit):
    other = ServiceFactory(name="Directory", slug="directory")
    consumer = ServiceFactory(name="Expenses", slug="expenses")
    services.service_update(
        service=service,
        description="Pays **everyone** <script>alert(1)</script>",
        how_to_request="Use the [form](https://example.com/form).",
        keywords="salary, pay",
        depends_on=[other],
    )
    services.service_dependencies_set(service=consumer, depends_on=[service])
    service_cost_set(
        service=service,
        allocation_rule="equal",
        drivers=[{"name": "Licences", "amount": 100000}, {"name": "Support staff", "amount": 25000}],
    )
    html = _html(client.get("/services/payroll/"))
    assert "<h1>Payroll</h1>" in html
    assert "Pays <strong>everyone</strong>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" not in html.split("What it is")[1][:300]
    assert '<a href="https://example.com/form" rel="noopener noreferrer nofollow">form</a>' in html
    assert "Olive Owner" in html and service.business_owner.get_full_name() in html
    assert "<dt>Who it serves</dt><dd>Finance</dd>" in html
    assert "125,000 a year" in html
    assert "<li>Licences</li><li>Support staff</li>" in html
    assert '<a href="/catalogue/?q=salary">salary</a>' in html
    assert '<a href="/services/directory/">Directory</a>' in html  # depends on
    assert '<a href="/services/expenses/">Expenses</a>' in html  # used by
    assert "Tier 2 – important" in html


def test_service_page_shows_the_agreement_in_force_and_who_signed(client, agreed):
    html = _html(client.get("/services/payroll/"))
    assert '<h2 id="agreements-heading">Agreements in force</h2>' in html
    assert f'<a href="/agreements/{agreed.pk}/">Finance</a> <span class="muted">version 1</span>' in html
    assert f"<dt>Effective from</dt><dd>{agreed.effective_from:%-d %b %Y}</dd>" in html
    assert "<dt>Signed for IT</dt><dd>Olive Owner," in html
    assert "<dt>Signed for the business</dt><dd>Rita Rep," in html


def test_open_versions_show_only_to_people_allowed_to_see_them(client, service, owner, rep, reader, unit):
    draft = AgreementFactory(service=service, business_unit=None, version=1, created_by=owner)
    proposed = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=proposed, actor=owner)
    services.agreement_sign(agreement=proposed, actor=owner)

    client.force_login(owner)
    html = _html(client.get("/services/payroll/"))
    assert "Versions in preparation" in html
    assert f'href="/agreements/{draft.pk}/"' in html and f'href="/agreements/{proposed.pk}/"' in html
    assert "Signed for IT: Olive Owner. Signed for the business: <strong>missing</strong>." in " ".join(html.split())

    client.force_login(rep)  # sees the proposal to its unit, not the draft
    html = _html(client.get("/services/payroll/"))
    assert f'href="/agreements/{proposed.pk}/"' in html and f'href="/agreements/{draft.pk}/"' not in html

    client.force_login(reader)
    assert "Versions in preparation" not in _html(client.get("/services/payroll/"))


@pytest.mark.parametrize(
    ("who", "can_edit", "can_draft"),
    [
        ("anonymous", False, False),
        ("reader", False, False),
        ("other_owner", False, False),
        ("owner", True, True),
        ("admin", True, True),
    ],
)
def test_service_actions_follow_the_rules(client, service, reader, owner, admin, who, can_edit, can_draft):
    users = {"reader": reader, "owner": owner, "admin": admin, "other_owner": service_owner()}
    if who in users:
        client.force_login(users[who])
    html = _html(client.get("/services/payroll/"))
    assert ('href="/services/payroll/edit/">Edit service</a>' in html) is can_edit
    assert ('href="/services/payroll/agreements/new/">Draft new agreement version</a>' in html) is can_draft


def test_add_service_button_only_for_service_owners_and_admins(client, reader, owner):
    assert "Add a service" not in _html(client.get("/catalogue/"))
    client.force_login(reader)
    assert "Add a service" not in _html(client.get("/catalogue/"))
    client.force_login(owner)
    assert '<a class="button" href="/services/new/">Add a service</a>' in _html(client.get("/catalogue/"))


def test_service_page_query_count_does_not_grow_with_relations(
    client, django_assert_max_num_queries, service, owner, rep, unit
):
    client.force_login(owner)
    # 9 on PostgreSQL (SQLite needs one fewer), 3 for "Cost against results"
    # (the service's cost with its units, drivers, tickets) and 1 for the work time it cost people.
    with django_assert_max_num_queries(13):
        small = _count_queries(client, "/services/payroll/")
    units = BusinessUnitFactory.create_batch(5)
    service.business_units.add(*units)
    services.service_dependencies_set(service=service, depends_on=ServiceFactory.create_batch(5))
    for other in ServiceFactory.create_batch(5):
        services.service_dependencies_set(service=other, depends_on=[service])
    for business_unit in [unit, *units[:3]]:
        first = AgreementFactory(service=service, business_unit=business_unit, version=1, created_by=owner)
        agree(first, it=owner, business=rep if business_unit == unit else _rep(business_unit))
        AgreementFactory(service=service, business_unit=business_unit, version=2, created_by=owner)
    with django_assert_max_num_queries(13):
        large = _count_queries(client, "/services/payroll/")
    assert small == large


def _rep(business_unit):
    from tests.factories import representative

    return representative(business_unit)


def test_unknown_service_is_404(client):
    assert client.get("/services/nope/").status_code == 404
