"""Who may do what (catalog/rules.py), as a matrix of people x permissions x objects.

Views ask `user.has_perm(...)`, which lets an active superuser through everything;
signing is personal, so catalog.services asks `rules.has_perm(...)`, which does not."""

import pytest
import rules

from catalog import services
from tests.catalog.helpers import build_world, proposed
from tests.factories import (
    BusinessUnitFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE = (
    "anonymous",
    "business_user",
    "representative",
    "business_owner",
    "other_owner",
    "owner",
    "admin",
    "superuser",
)
EVERYONE = set(PEOPLE)
SIGNED_IN = EVERYONE - {"anonymous"}
MANAGERS = {"owner", "admin", "superuser"}
ADMINS = {"admin", "superuser"}


@pytest.fixture
def world():
    return build_world()


def _allowed(people, perm, obj, *, personal: bool = False) -> set[str]:
    check = (lambda user: rules.has_perm(perm, user, obj)) if personal else (lambda user: user.has_perm(perm, obj))
    return {name for name, user in people.items() if check(user)}


def _readers(public: bool) -> set[str]:
    return EVERYONE if public else SIGNED_IN


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
def test_catalogue_reading(world, settings, public):
    settings.CATALOGUE_PUBLIC = public
    people, objects = world
    assert _allowed(people, "catalog.view_service", objects["service"]) == _readers(public)
    assert _allowed(people, "catalog.view_service", None) == _readers(public)


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize(
    ("state", "expected_extra"),
    [
        ("draft", set()),
        ("withdrawn", set()),
        ("proposed", {"representative"}),
        ("proposed_all_units", {"business_owner"}),
    ],
)
def test_unsigned_agreements_are_seen_by_their_managers_and_whoever_signs_next(
    world, settings, public, state, expected_extra
):
    settings.CATALOGUE_PUBLIC = public
    people, objects = world
    assert _allowed(people, "catalog.view_agreement", objects[state]) == MANAGERS | expected_extra


@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("state", ["agreed", "superseded", "agreed_all_units"])
def test_signed_agreements_are_seen_by_every_catalogue_reader(world, settings, public, state):
    settings.CATALOGUE_PUBLIC = public
    people, objects = world
    assert _allowed(people, "catalog.view_agreement", objects[state]) == _readers(public)


@pytest.mark.parametrize(
    ("perm", "target", "expected"),
    [
        ("catalog.add_service", None, ADMINS | {"owner", "other_owner"}),
        ("catalog.change_service", "service", MANAGERS),
        ("catalog.delete_service", "service", ADMINS),
        ("catalog.add_agreement", "service", MANAGERS),
        ("catalog.change_agreement", "draft", MANAGERS),
        ("catalog.propose_agreement", "draft", MANAGERS),
        ("catalog.withdraw_agreement", "agreed", MANAGERS),
        ("catalog.withdraw_agreement", "proposed_all_units", MANAGERS),
        ("catalog.delete_agreement", "agreed", ADMINS),
        ("catalog.manage_business_units", None, ADMINS),
        ("catalog.manage_categories", None, ADMINS),
    ],
)
@pytest.mark.parametrize("public", [True, False], ids=["public", "private"])
def test_managing_the_catalogue(world, settings, public, perm, target, expected):
    settings.CATALOGUE_PUBLIC = public
    people, objects = world
    obj = objects[target] if target else None
    assert _allowed(people, perm, obj) == expected


@pytest.mark.parametrize(
    ("state", "it_side", "business_side"),
    [
        ("proposed", {"owner"}, {"representative"}),
        ("proposed_all_units", {"owner"}, {"business_owner"}),
    ],
)
def test_signing_is_personal_even_for_superusers_and_admins(world, state, it_side, business_side):
    people, objects = world
    agreement = objects[state]
    assert _allowed(people, "catalog.sign_agreement_for_it", agreement, personal=True) == it_side
    assert _allowed(people, "catalog.sign_agreement_for_business", agreement, personal=True) == business_side
    # Through user.has_perm Django waves an active superuser through: which is why
    # catalog.services must (and does) ask rules.has_perm for signatures.
    assert _allowed(people, "catalog.sign_agreement_for_it", agreement) == it_side | {"superuser"}
    for name, user in people.items():
        side = services.agreement_signing_side(agreement=agreement, actor=user)
        expected = "it" if name in it_side else "business" if name in business_side else None
        assert side == expected, name


def test_an_admin_who_owns_a_service_manages_and_signs_it(world):
    people, _ = world
    admin = people["admin"]
    service = ServiceFactory(service_owner=admin)
    agreement = proposed(service=service, business_unit=BusinessUnitFactory())
    assert rules.has_perm("catalog.sign_agreement_for_it", admin, agreement)
    assert not rules.has_perm("catalog.sign_agreement_for_it", people["owner"], agreement)


def test_inactive_admins_lose_their_rights(world, settings):
    settings.CATALOGUE_PUBLIC = False
    people, objects = world
    for name in ("admin", "superuser"):
        user = people[name]
        user.is_active = False
        assert not user.has_perm("catalog.change_service", objects["service"]), name
        assert not user.has_perm("catalog.view_agreement", objects["draft"]), name
        assert not user.has_perm("catalog.view_service", objects["service"]), name


def test_a_former_representative_no_longer_signs(world):
    people, objects = world
    rep = people["representative"]
    rep.memberships.filter(business_unit=objects["proposed"].business_unit).update(is_representative=False)
    assert not rules.has_perm("catalog.sign_agreement_for_business", rep, objects["proposed"])
    assert not rep.has_perm("catalog.view_agreement", objects["proposed"])
