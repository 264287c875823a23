"""Reads of the catalogue: scoped to the user like catalog/rules.py, in a fixed number of queries."""

from datetime import date

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from catalog import selectors, services
from catalog.models import Agreement, AgreementStatus, Service
from tests.catalog.helpers import TERMS, agreed, build_world, business_signer, draft, proposed
from tests.factories import (
    BusinessUnitFactory,
    CategoryFactory,
    MembershipFactory,
    ServiceFactory,
    admin_user,
    business_user,
    representative,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _names(agreements) -> set[str]:
    return {f"{a.business_unit.name if a.business_unit else 'all'} v{a.version}" for a in agreements}


# --- agreement_list -----------------------------------------------------------------


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
def test_agreement_list_shows_exactly_what_the_rules_allow(world, settings, public):
    settings.CATALOGUE_PUBLIC = public
    people, _ = world
    everything = list(Agreement.objects.all())
    for name, user in people.items():
        expected = {a.pk for a in everything if user.has_perm("catalog.view_agreement", a)}
        assert set(selectors.agreement_list(user=user).values_list("pk", flat=True)) == expected, name


def test_agreement_list_scoping_by_role(world):
    people, objects = world
    signed = {objects[s].pk for s in ("agreed", "superseded", "agreed_all_units")}
    everything = set(Agreement.objects.values_list("pk", flat=True))

    def visible(name: str) -> set[int]:
        return set(selectors.agreement_list(user=people[name]).values_list("pk", flat=True))

    # Drafts and withdrawn versions: the service's owner and admins only.
    for name in ("anonymous", "business_user", "other_owner"):
        assert visible(name) == signed, name
    assert visible("representative") == signed | {objects["proposed"].pk}
    assert visible("business_owner") == signed | {objects["proposed_all_units"].pk}
    for name in ("owner", "admin", "superuser"):
        assert visible(name) == everything, name


def test_agreement_list_hides_everything_from_anonymous_in_a_private_catalogue(world, settings):
    settings.CATALOGUE_PUBLIC = False
    people, _ = world
    assert not selectors.agreement_list(user=people["anonymous"]).exists()
    assert selectors.agreement_list(user=people["business_user"]).count() == 3


def test_agreement_list_loads_its_rows_in_one_query_plus_the_role_check(django_assert_max_num_queries):
    owner = business_user()
    for _ in range(5):
        agreed(service=ServiceFactory(service_owner=owner), business_unit=BusinessUnitFactory())
    with django_assert_max_num_queries(2):  # the user's groups, then the rows with their relations
        rows = [_agreement_row(a) for a in selectors.agreement_list(user=owner)]
    assert len(rows) == 5


def _agreement_row(a: Agreement) -> tuple:
    people = (a.service.service_owner, a.service.business_owner, a.it_signed_by, a.business_signed_by)
    return (a.service.name, a.business_unit.name, *(p.username for p in people), a.proposed_by, a.created_by)


# --- agreements_awaiting_signature --------------------------------------------------


def test_awaiting_signature_lists_what_each_person_could_sign_now(world):
    people, _ = world
    proposed_versions = list(Agreement.objects.filter(status=AgreementStatus.PROPOSED).select_related("service"))
    for name, user in people.items():
        expected = {
            a.pk for a in proposed_versions if services.agreement_signing_side(agreement=a, actor=user) is not None
        }
        assert set(selectors.agreements_awaiting_signature(user=user).values_list("pk", flat=True)) == expected, name


def test_awaiting_signature_follows_the_signatures(world):
    people, objects = world
    owner, rep, biz_owner = people["owner"], people["representative"], people["business_owner"]

    def awaiting(user) -> set[int]:
        return set(selectors.agreements_awaiting_signature(user=user).values_list("pk", flat=True))

    unit_version, all_units_version = objects["proposed"], objects["proposed_all_units"]
    assert awaiting(owner) == {unit_version.pk, all_units_version.pk}
    assert awaiting(rep) == {unit_version.pk}
    assert awaiting(biz_owner) == {all_units_version.pk}
    assert not awaiting(people["superuser"]) and not awaiting(people["admin"]) and not awaiting(AnonymousUser())

    services.agreement_sign(agreement=unit_version, actor=rep)
    assert awaiting(rep) == set()
    assert awaiting(owner) == {unit_version.pk, all_units_version.pk}
    # Another representative of the unit has nothing left to sign either.
    assert awaiting(representative(unit_version.business_unit)) == set()

    services.agreement_sign(agreement=all_units_version, actor=owner)
    assert awaiting(owner) == {unit_version.pk}
    assert awaiting(biz_owner) == {all_units_version.pk}


def test_awaiting_signature_leaves_out_what_the_person_signed_for_the_other_side():
    unit = BusinessUnitFactory()
    owner = business_user()
    MembershipFactory(user=owner, business_unit=unit, is_representative=True)
    agreement = proposed(service=ServiceFactory(service_owner=owner), business_unit=unit)
    assert list(selectors.agreements_awaiting_signature(user=owner)) == [agreement]
    services.agreement_sign(agreement=agreement, actor=owner)  # for IT
    assert not selectors.agreements_awaiting_signature(user=owner).exists()


# --- agreements_in_force, agreements_open, previous version -------------------------


def test_in_force_and_open_versions_of_a_service(world):
    people, objects = world
    service, owner, member = objects["service"], people["owner"], people["business_user"]
    in_force = {objects["agreed"], objects["agreed_all_units"]}
    assert set(selectors.agreements_in_force(user=member, service=service)) == in_force
    assert set(selectors.agreements_in_force(user=owner, service=service)) == in_force
    assert set(selectors.agreements_open(user=owner, service=service)) == {
        objects["proposed"],
        objects["draft"],
        objects["proposed_all_units"],
    }
    assert selectors.agreements_open(user=member, service=service) == []
    assert set(selectors.agreements_open(user=people["representative"], service=service)) == {objects["proposed"]}


def test_previous_version_skips_what_the_user_may_not_see():
    unit = BusinessUnitFactory()
    service = ServiceFactory()
    v1 = agreed(service=service, business_unit=unit)
    v2 = services.agreement_withdraw(
        agreement=draft(service=service, business_unit=unit, scope="A secret draft.", **_dates()),
        actor=service.service_owner,
    )
    v3 = agreed(service=service, business_unit=unit)
    reader = business_user()

    assert selectors.agreement_previous_version(agreement=v3, user=service.service_owner) == v2
    assert selectors.agreement_previous_version(agreement=v3, user=reader) == v1
    assert selectors.agreement_previous_version(agreement=v1, user=reader) is None
    # Without a user: every version (for internal use, not for pages).
    assert selectors.agreement_previous_version(agreement=v3) == v2
    # Other audiences of the service do not count.
    other = agreed(service=service, business_unit=None)
    assert selectors.agreement_previous_version(agreement=other) is None


# --- agreement_diff -----------------------------------------------------------------


def test_diff_lists_only_changed_terms_with_labels_and_line_diffs():
    unit = BusinessUnitFactory()
    service = ServiceFactory()
    old = agreed(service=service, business_unit=unit)
    new = draft(
        service=service,
        business_unit=unit,
        **{
            **TERMS,
            "it_responsibilities": "Keep mail flowing.\nWarn of planned work two weeks ahead.",
            "review_by": date(2026, 6, 30),
        },
    )

    changes = selectors.agreement_diff(old=old, new=new)

    assert [(c.field, c.label) for c in changes] == [
        ("it_responsibilities", "IT responsibilities"),
        ("review_by", "Review by"),
    ]
    it, review = changes
    assert (it.old, it.new) == (TERMS["it_responsibilities"], new.it_responsibilities)
    assert it.diff == [
        "@@ -1,2 +1,2 @@",
        " Keep mail flowing.",
        "-Warn of planned work a week ahead.",
        "+Warn of planned work two weeks ahead.",
    ]
    assert (review.old, review.new) == ("2026-01-01", "2026-06-30")
    assert review.diff == ["@@ -1 +1 @@", "-2026-01-01", "+2026-06-30"]


def test_diff_from_nothing_and_to_nothing():
    old = Agreement(scope="", exclusions="Fax.", effective_from=None)
    new = Agreement(scope="Mail.", exclusions="", effective_from=date(2025, 1, 1))
    changes = {c.field: c for c in selectors.agreement_diff(old=old, new=new)}
    assert set(changes) == {"scope", "exclusions", "effective_from"}
    assert changes["scope"].diff == ["@@ -0,0 +1 @@", "+Mail."]
    assert changes["exclusions"].diff == ["@@ -1 +0,0 @@", "-Fax."]
    assert (changes["effective_from"].old, changes["effective_from"].new) == ("", "2025-01-01")


def test_diff_ignores_line_endings_and_trailing_spaces():
    # What a browser sends back for an untouched textarea is not a change.
    old = Agreement(scope="Mail.\nCalendars.", exclusions="Fax.")
    new = Agreement(scope="Mail.\r\nCalendars.\r\n", exclusions="Fax.  ")
    assert selectors.agreement_diff(old=old, new=new) == []


def test_diff_of_a_version_with_itself_is_empty():
    agreement = agreed(business_unit=None)
    assert selectors.agreement_diff(old=agreement, new=agreement) == []


# --- Services -----------------------------------------------------------------------


def _service_row(service: Service) -> tuple:
    return (
        service.name,
        service.category.name,
        service.service_owner.get_full_name(),
        service.business_owner.get_full_name() if service.business_owner else "",
        sorted(unit.name for unit in service.business_units.all()),
    )


@pytest.mark.parametrize("count", [1, 12])
def test_service_list_loads_a_page_in_two_queries_whatever_its_length(django_assert_max_num_queries, count):
    units = BusinessUnitFactory.create_batch(3)
    for _ in range(count):
        ServiceFactory(business_units=units)
    with django_assert_max_num_queries(2):  # services with their relations, then their units
        rows = [_service_row(s) for s in selectors.service_list(user=AnonymousUser())]
    assert len(rows) == count and all(len(row[-1]) == 3 for row in rows)


def test_service_list_in_a_private_catalogue(settings, django_assert_max_num_queries):
    settings.CATALOGUE_PUBLIC = False
    ServiceFactory.create_batch(3, business_units=[BusinessUnitFactory()])
    assert not selectors.service_list(user=AnonymousUser()).exists()
    assert not selectors.category_list(user=AnonymousUser()).exists()
    assert not selectors.business_unit_list(user=AnonymousUser()).exists()
    reader = business_user()
    with django_assert_max_num_queries(2):
        assert len([_service_row(s) for s in selectors.service_list(user=reader)]) == 3
    assert selectors.category_list(user=reader).count() == 3
    assert selectors.business_unit_list(user=reader).count() == 1


def test_service_detail_loads_dependencies_and_hides_from_those_who_may_not_read(
    settings, django_assert_max_num_queries
):
    email, directory, network, portal = (ServiceFactory(name=n) for n in ("Email", "Directory", "Network", "Portal"))
    services.service_dependencies_set(service=email, depends_on=[directory, network])
    services.service_dependencies_set(service=portal, depends_on=[email])

    with django_assert_max_num_queries(4):  # service, units, depends on, dependents
        detail = selectors.service_detail(user=AnonymousUser(), slug=email.slug)
        loaded = (
            _service_row(detail),
            sorted(s.name for s in detail.depends_on.all()),
            [s.name for s in detail.dependents.all()],
        )
    assert loaded[1:] == (["Directory", "Network"], ["Portal"])

    settings.CATALOGUE_PUBLIC = False
    with pytest.raises(Service.DoesNotExist):
        selectors.service_detail(user=AnonymousUser(), slug=email.slug)
    assert selectors.service_detail(user=admin_user(), slug=email.slug) == email
    with pytest.raises(Service.DoesNotExist):
        selectors.service_detail(user=admin_user(), slug="no-such-service")


@pytest.fixture
def searchable():
    office = CategoryFactory(name="Office tools")
    return {
        "email": ServiceFactory(
            name="Email", summary="Send and receive mail.", keywords="outlook, mailbox", category=office
        ),
        "chat": ServiceFactory(
            name="Chat", summary="Instant messages.", description="Talk to colleagues **now**.", keywords="teams"
        ),
        "payroll": ServiceFactory(
            name="Payroll", summary="Pay everyone on time.", description="Monthly pay, including mail slips."
        ),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"email", "chat", "payroll"}),
        ("   ", {"email", "chat", "payroll"}),
        ("mail", {"email", "payroll"}),  # name/summary, and description
        ("MAIL", {"email", "payroll"}),  # case does not matter
        ("outlook", {"email"}),  # keywords
        ("office", {"email"}),  # category name
        ("colleagues", {"chat"}),  # description
        ("mail pay", {"payroll"}),  # every word must match, each anywhere
        ("pay mail", {"payroll"}),
        ("mail outlook", {"email"}),
        ("mail teams", set()),
        ("nothing-like-this", set()),
    ],
)
def test_service_search_needs_every_word(searchable, text, expected):
    found = selectors.service_search(Service.objects.all(), text)
    assert {key for key, s in searchable.items() if s in found} == expected
    assert found.count() == len(expected)  # no duplicates from joins


def test_service_search_narrows_a_scoped_queryset(searchable, settings):
    settings.CATALOGUE_PUBLIC = False
    assert not selectors.service_search(selectors.service_list(user=AnonymousUser()), "mail").exists()


def _dates() -> dict[str, date]:
    return {"effective_from": date(2025, 7, 1), "review_by": date(2026, 7, 1)}


def test_business_signer_helper_matches_the_rules():
    # The tests' notion of who signs for the business is the rules' notion.
    unit_version = proposed(business_unit=BusinessUnitFactory())
    all_units_version = proposed(business_unit=None)
    for agreement in (unit_version, all_units_version):
        assert rules.has_perm("catalog.sign_agreement_for_business", business_signer(agreement), agreement)
