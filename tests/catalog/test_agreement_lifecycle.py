"""An agreement's life: draft -> proposed -> signed by both sides -> agreed -> superseded
(or withdrawn), and the database constraints that back the rules."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog import services
from catalog.models import Agreement, AgreementStatus
from tests.catalog.helpers import TERMS, agreed, business_signer, draft, proposed
from tests.factories import (
    BusinessUnitFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    admin_user,
    business_user,
    representative,
    service_owner,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return BusinessUnitFactory()


@pytest.fixture
def service(unit):
    return ServiceFactory(business_units=[unit])


def _refetch(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


# --- Drafting -----------------------------------------------------------------------


def test_first_draft_is_version_1_with_the_given_terms(service, unit):
    agreement = services.agreement_draft_create(
        service=service, business_unit=unit, actor=service.service_owner, scope="Mail.", exclusions="Fax."
    )
    stored = _refetch(agreement)
    assert (stored.version, stored.status) == (1, AgreementStatus.DRAFT)
    assert (stored.scope, stored.exclusions, stored.effective_from) == ("Mail.", "Fax.", None)
    assert stored.created_by == service.service_owner


def test_versions_are_numbered_per_service_and_business_unit(service, unit):
    other_unit = BusinessUnitFactory()
    first = agreed(service=service, business_unit=unit)
    services.agreement_withdraw(agreement=draft(service=service, business_unit=unit), actor=service.service_owner)
    third = draft(service=service, business_unit=unit)
    assert (first.version, third.version) == (1, 3)
    # Another unit and the all-units agreement of the same service count from 1.
    assert draft(service=service, business_unit=other_unit).version == 1
    assert draft(service=service, business_unit=None).version == 1
    # So does the same unit for another service.
    assert draft(business_unit=unit).version == 1


def test_next_draft_copies_the_terms_in_force_and_overrides_what_is_given(service, unit):
    in_force = agreed(service=service, business_unit=unit)
    services.agreement_withdraw(agreement=draft(service=service, business_unit=unit), actor=service.service_owner)
    next_version = services.agreement_draft_create(
        service=service, business_unit=unit, actor=service.service_owner, scope="Mail and calendars."
    )
    assert next_version.version == 3
    assert next_version.scope == "Mail and calendars."
    for name in ("exclusions", "it_responsibilities", "business_responsibilities", "effective_from", "review_by"):
        assert getattr(next_version, name) == getattr(in_force, name), name
    assert next_version.it_signed_by is None and next_version.business_signed_by is None
    assert next_version.status == AgreementStatus.DRAFT


def test_only_one_open_version_at_a_time(service, unit):
    open_version = proposed(service=service, business_unit=unit)
    with pytest.raises(ValidationError, match="already has a version in draft or proposed"):
        draft(service=service, business_unit=unit)
    assert list(Agreement.objects.filter(service=service)) == [open_version]
    # Other audiences of the same service are independent.
    assert draft(service=service, business_unit=None).version == 1


def test_a_withdrawn_draft_makes_room_for_the_next(service, unit):
    first = draft(service=service, business_unit=unit)
    services.agreement_withdraw(agreement=first, actor=service.service_owner)
    assert draft(service=service, business_unit=unit).version == 2


@pytest.mark.parametrize("create", [True, False], ids=["draft_create", "update"])
@pytest.mark.parametrize("review_by", [date(2024, 12, 31), date(2025, 1, 1)], ids=["before", "same_day"])
def test_review_date_must_follow_the_effective_date(service, unit, create, review_by):
    terms = {"effective_from": date(2025, 1, 1), "review_by": review_by}
    if create:
        with pytest.raises(ValidationError) as excinfo:
            services.agreement_draft_create(
                service=service, business_unit=unit, actor=service.service_owner, scope="x", **terms
            )
        assert not Agreement.objects.exists()
    else:
        agreement = draft(service=service, business_unit=unit)
        with pytest.raises(ValidationError) as excinfo:
            services.agreement_update(agreement=agreement, **terms)
        assert _refetch(agreement).review_by == TERMS["review_by"]
    assert "after the date the agreement takes effect" in excinfo.value.message_dict["review_by"][0]


def test_unknown_term_is_a_programming_error(service, unit):
    with pytest.raises(TypeError, match="Unknown fields: status"):
        services.agreement_draft_create(service=service, business_unit=unit, actor=service.service_owner, status="x")
    agreement = draft(service=service, business_unit=unit)
    with pytest.raises(TypeError, match="Unknown fields: version"):
        services.agreement_update(agreement=agreement, version=9)


def test_update_changes_terms_of_a_draft(service, unit):
    agreement = draft(service=service, business_unit=unit)
    services.agreement_update(agreement=agreement, scope="Only mail.", review_by=date(2027, 1, 1))
    stored = _refetch(agreement)
    assert (stored.scope, stored.review_by, stored.exclusions) == ("Only mail.", date(2027, 1, 1), TERMS["exclusions"])


@pytest.mark.parametrize("stage", ["proposed", "agreed", "superseded", "withdrawn"])
def test_only_a_draft_can_be_edited(service, unit, stage):
    agreement = proposed(service=service, business_unit=unit)
    if stage in ("agreed", "superseded"):
        agreement = agreed(service=service, business_unit=BusinessUnitFactory())
        if stage == "superseded":
            agreed(service=agreement.service, business_unit=agreement.business_unit)
    elif stage == "withdrawn":
        agreement = services.agreement_withdraw(agreement=agreement, actor=service.service_owner)
    before = _refetch(agreement)
    with pytest.raises(ValidationError, match=f"is {stage} and cannot be edited; only a draft can"):
        services.agreement_update(agreement=agreement, scope="Changed after the fact.")
    assert _refetch(agreement).scope == before.scope == TERMS["scope"]
    assert _refetch(agreement).status == stage


# --- Proposing ----------------------------------------------------------------------


def test_propose_requires_scope_and_both_dates(service, unit):
    agreement = services.agreement_draft_create(
        service=service, business_unit=unit, actor=service.service_owner, scope="  \n"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_propose(agreement=agreement, actor=service.service_owner)
    assert set(excinfo.value.message_dict) == {"scope", "effective_from", "review_by"}
    assert _refetch(agreement).status == AgreementStatus.DRAFT


def test_propose_moves_a_draft_to_proposed_and_records_who_and_when(service, unit):
    agreement = draft(service=service, business_unit=unit)
    with time_machine.travel("2025-03-04 10:00Z", tick=False):
        services.agreement_propose(agreement=agreement, actor=service.service_owner)
    stored = _refetch(agreement)
    assert stored.status == AgreementStatus.PROPOSED
    assert stored.proposed_by == service.service_owner
    assert stored.proposed_at == datetime(2025, 3, 4, 10, tzinfo=UTC)


def test_propose_twice_is_refused(service, unit):
    agreement = proposed(service=service, business_unit=unit)
    with pytest.raises(ValidationError, match="Version 1 is proposed; only a draft version can be proposed"):
        services.agreement_propose(agreement=agreement, actor=service.service_owner)


# --- Signing ------------------------------------------------------------------------


@pytest.mark.parametrize("it_first", [True, False], ids=["it_first", "business_first"])
def test_agreed_once_both_sides_have_signed_in_either_order(service, unit, it_first):
    agreement = proposed(service=service, business_unit=unit)
    rep = representative(unit)
    owner = service.service_owner
    first, second = (owner, rep) if it_first else (rep, owner)

    with time_machine.travel("2025-02-01 09:00Z", tick=False):
        after_first = services.agreement_sign(agreement=agreement, actor=first)
    assert after_first.status == AgreementStatus.PROPOSED
    assert _refetch(agreement).status == AgreementStatus.PROPOSED

    with time_machine.travel("2025-02-03 15:30Z", tick=False):
        after_second = services.agreement_sign(agreement=agreement, actor=second)
    stored = _refetch(agreement)
    assert after_second.status == stored.status == AgreementStatus.AGREED
    assert (stored.it_signed_by, stored.business_signed_by) == (owner, rep)
    first_at, second_at = datetime(2025, 2, 1, 9, tzinfo=UTC), datetime(2025, 2, 3, 15, 30, tzinfo=UTC)
    signed_at = (stored.it_signed_at, stored.business_signed_at)
    assert signed_at == ((first_at, second_at) if it_first else (second_at, first_at))
    assert stored.agreed_at == second_at


def test_all_units_agreement_is_signed_for_the_business_by_the_business_owner(service, unit):
    agreement = proposed(service=service, business_unit=None)
    with pytest.raises(PermissionDenied, match=r"or the service's business owner \(for all business units\) may sign"):
        services.agreement_sign(agreement=agreement, actor=representative(unit))
    services.agreement_sign(agreement=agreement, actor=service.business_owner)
    services.agreement_sign(agreement=agreement, actor=service.service_owner)
    stored = _refetch(agreement)
    assert stored.status == AgreementStatus.AGREED
    assert stored.business_signed_by == service.business_owner


@pytest.mark.parametrize(
    "who",
    ["business_user", "member_not_representative", "representative_of_other_unit", "other_owner", "admin", "superuser"],
)
def test_who_may_not_sign(service, unit, who):
    agreement = proposed(service=service, business_unit=unit)
    if who == "member_not_representative":
        actor = business_user()
        MembershipFactory(user=actor, business_unit=unit, is_representative=False)
    elif who == "representative_of_other_unit":
        actor = representative(BusinessUnitFactory())
    elif who == "other_owner":
        actor = ServiceFactory().service_owner
    elif who == "admin":
        actor = admin_user()
    elif who == "superuser":
        actor = UserFactory(is_superuser=True, is_staff=True)
    else:
        actor = business_user()
    with pytest.raises(PermissionDenied, match=f"Only the service owner \\(IT\\) or a representative of {unit.name}"):
        services.agreement_sign(agreement=agreement, actor=actor)
    stored = _refetch(agreement)
    assert stored.it_signed_by is None and stored.business_signed_by is None
    assert services.agreement_signing_side(agreement=stored, actor=actor) is None


def test_admin_who_owns_the_service_signs_for_it():
    owner = admin_user()
    unit = BusinessUnitFactory()
    agreement = proposed(service=ServiceFactory(service_owner=owner), business_unit=unit)
    assert services.agreement_signing_side(agreement=agreement, actor=owner) == "it"
    assert services.agreement_sign(agreement=agreement, actor=owner).it_signed_by == owner


def test_signing_twice_for_the_same_side_is_refused(service, unit):
    agreement = proposed(service=service, business_unit=unit)
    services.agreement_sign(agreement=agreement, actor=service.service_owner)
    with pytest.raises(ValidationError, match="You have already signed this version"):
        services.agreement_sign(agreement=agreement, actor=service.service_owner)
    assert services.agreement_signing_side(agreement=_refetch(agreement), actor=service.service_owner) is None


def test_a_second_representative_cannot_sign_again_for_the_business(service, unit):
    agreement = proposed(service=service, business_unit=unit)
    first_rep, second_rep = representative(unit), representative(unit)
    services.agreement_sign(agreement=agreement, actor=first_rep)
    with pytest.raises(ValidationError, match=f"{first_rep.get_full_name()} has already signed for {unit.name}"):
        services.agreement_sign(agreement=agreement, actor=second_rep)
    assert _refetch(agreement).business_signed_by == first_rep


@pytest.mark.parametrize("all_units", [False, True], ids=["unit", "all_units"])
def test_the_same_person_may_not_sign_both_sides(unit, all_units):
    # The service owner is also the person who speaks for the business side.
    owner = service_owner()
    if all_units:
        service = ServiceFactory(service_owner=owner, business_owner=owner)
    else:
        service = ServiceFactory(service_owner=owner)
        MembershipFactory(user=owner, business_unit=unit, is_representative=True)
    agreement = proposed(service=service, business_unit=None if all_units else unit)

    assert services.agreement_signing_side(agreement=agreement, actor=owner) == "it"
    services.agreement_sign(agreement=agreement, actor=owner)
    with pytest.raises(PermissionDenied, match="You signed for IT; someone else must sign for the business side"):
        services.agreement_sign(agreement=agreement, actor=owner)
    stored = _refetch(agreement)
    assert stored.status == AgreementStatus.PROPOSED and stored.business_signed_by is None


def test_whoever_signed_for_the_business_cannot_sign_for_it_too(unit):
    owner = service_owner()
    MembershipFactory(user=owner, business_unit=unit, is_representative=True)
    agreement = proposed(service=ServiceFactory(service_owner=owner), business_unit=unit)
    # The services always give IT's side first to someone who may sign both, so the
    # business signature is written directly, as older data or an admin edit might.
    Agreement.objects.filter(pk=agreement.pk).update(business_signed_by=owner, business_signed_at=timezone.now())
    with pytest.raises(PermissionDenied, match="You signed for the business side; someone else must sign for IT"):
        services.agreement_sign(agreement=agreement, actor=owner)


@pytest.mark.parametrize("stage", ["draft", "agreed", "withdrawn"])
def test_only_a_proposed_version_can_be_signed(service, unit, stage):
    if stage == "draft":
        agreement = draft(service=service, business_unit=unit)
    elif stage == "agreed":
        agreement = agreed(service=service, business_unit=unit)
    else:
        agreement = services.agreement_withdraw(
            agreement=proposed(service=service, business_unit=unit), actor=service.service_owner
        )
    with pytest.raises(ValidationError, match=f"is {stage}; only a proposed version can be signed"):
        services.agreement_sign(agreement=agreement, actor=service.service_owner)


def test_signing_uses_the_stored_state_not_a_stale_object(service, unit):
    agreement = proposed(service=service, business_unit=unit)
    stale = _refetch(agreement)
    services.agreement_return_to_draft(agreement=agreement)
    with pytest.raises(ValidationError, match="is draft"):
        services.agreement_sign(agreement=stale, actor=service.service_owner)


# --- Superseding --------------------------------------------------------------------


def test_the_next_version_supersedes_the_one_in_force_when_agreed(service, unit):
    v1 = agreed(service=service, business_unit=unit)
    v2 = services.agreement_draft_create(
        service=service, business_unit=unit, actor=service.service_owner, scope="Mail, calendars and chat."
    )
    services.agreement_propose(agreement=v2, actor=service.service_owner)
    services.agreement_sign(agreement=v2, actor=service.service_owner)
    # v1 stays in force while v2 waits for its second signature.
    assert _refetch(v1).status == AgreementStatus.AGREED

    with time_machine.travel("2025-06-01 12:00Z", tick=False):
        services.agreement_sign(agreement=v2, actor=business_signer(v2))
    old, new = _refetch(v1), _refetch(v2)
    assert (old.status, new.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.AGREED)
    assert old.superseded_by == new
    assert old.superseded_at == new.agreed_at == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert new.supersedes == old
    # The old version keeps its signatures and terms.
    assert old.it_signed_by == service.service_owner and old.scope == TERMS["scope"]
    assert list(Agreement.objects.filter(service=service, business_unit=unit, status="agreed")) == [new]


def test_superseding_stays_within_the_same_audience(service, unit):
    other_unit = BusinessUnitFactory()
    for_unit, for_other, for_all = (
        agreed(service=service, business_unit=unit),
        agreed(service=service, business_unit=other_unit),
        agreed(service=service, business_unit=None),
    )
    newer = agreed(service=service, business_unit=unit)
    assert _refetch(for_unit).superseded_by == newer
    assert _refetch(for_other).status == _refetch(for_all).status == AgreementStatus.AGREED


def test_all_units_versions_supersede_each_other(service):
    v1 = agreed(service=service, business_unit=None)
    v2 = agreed(service=service, business_unit=None)
    assert (_refetch(v1).status, _refetch(v1).superseded_by) == (AgreementStatus.SUPERSEDED, v2)
    assert v2.version == 2


def test_a_failed_final_signature_leaves_the_version_in_force_untouched(service, unit, monkeypatch):
    v1 = agreed(service=service, business_unit=unit)
    v2 = proposed(service=service, business_unit=unit)
    services.agreement_sign(agreement=v2, actor=service.service_owner)

    # A concurrent writer put another version in force between the supersede and the
    # save: the constraint catches it and the whole sign-off is rolled back.
    original = services.agreements._supersede_in_force

    def supersede_then_conflict(agreement, now):
        original(agreement, now)
        Agreement.objects.filter(pk=v1.pk).update(status=AgreementStatus.AGREED)

    monkeypatch.setattr(services.agreements, "_supersede_in_force", supersede_then_conflict)
    with pytest.raises(ValidationError, match="came into force at the same time"):
        services.agreement_sign(agreement=v2, actor=business_signer(v2))
    old, new = _refetch(v1), _refetch(v2)
    assert (old.status, old.superseded_by, old.superseded_at) == (AgreementStatus.AGREED, None, None)
    assert (new.status, new.business_signed_by) == (AgreementStatus.PROPOSED, None)


# --- Returning to draft, withdrawing ------------------------------------------------


def test_return_to_draft_clears_proposal_and_signatures(service, unit):
    agreement = proposed(service=service, business_unit=unit)
    services.agreement_sign(agreement=agreement, actor=business_signer(agreement))
    services.agreement_return_to_draft(agreement=agreement)
    stored = _refetch(agreement)
    assert stored.status == AgreementStatus.DRAFT
    assert (stored.proposed_at, stored.proposed_by) == (None, None)
    assert (stored.it_signed_by, stored.it_signed_at, stored.business_signed_by, stored.business_signed_at) == (
        None,
        None,
        None,
        None,
    )
    # It can be edited, proposed and signed afresh.
    services.agreement_update(agreement=stored, scope="Revised.")
    services.agreement_propose(agreement=stored, actor=service.service_owner)
    assert services.agreement_signing_side(agreement=_refetch(stored), actor=business_signer(stored)) == "business"


@pytest.mark.parametrize("stage", ["draft", "agreed"])
def test_only_a_proposed_version_returns_to_draft(service, unit, stage):
    make = draft if stage == "draft" else agreed
    agreement = make(service=service, business_unit=unit)
    with pytest.raises(ValidationError, match=f"is {stage}; only a proposed version can be returned to draft"):
        services.agreement_return_to_draft(agreement=agreement)
    assert _refetch(agreement).status == stage


@pytest.mark.parametrize("stage", ["draft", "proposed"])
def test_withdraw_an_open_version_without_a_reason(service, unit, stage):
    agreement = draft(service=service, business_unit=unit)
    if stage == "proposed":
        agreement = services.agreement_propose(agreement=agreement, actor=service.service_owner)
    with time_machine.travel("2025-05-05 08:00Z", tick=False):
        services.agreement_withdraw(agreement=agreement, actor=service.service_owner)
    stored = _refetch(agreement)
    assert stored.status == AgreementStatus.WITHDRAWN
    assert stored.withdrawn_by == service.service_owner
    assert stored.withdrawn_at == datetime(2025, 5, 5, 8, tzinfo=UTC)
    assert stored.withdrawal_reason == ""


def test_withdrawing_the_version_in_force_needs_a_reason(service, unit):
    agreement = agreed(service=service, business_unit=unit)
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_withdraw(agreement=agreement, actor=service.service_owner, reason="   ")
    assert excinfo.value.message_dict == {"reason": ["Say why an agreement in force is withdrawn."]}
    assert _refetch(agreement).status == AgreementStatus.AGREED

    services.agreement_withdraw(agreement=agreement, actor=service.service_owner, reason="  Service retired. ")
    stored = _refetch(agreement)
    assert (stored.status, stored.withdrawal_reason) == (AgreementStatus.WITHDRAWN, "Service retired.")
    # Nothing is in force any more; the next version is agreed without superseding anything.
    nxt = agreed(service=service, business_unit=unit)
    assert nxt.version == 2 and _refetch(agreement).superseded_by is None


@pytest.mark.parametrize("stage", ["superseded", "withdrawn"])
def test_ended_versions_cannot_be_withdrawn(service, unit, stage):
    agreement = agreed(service=service, business_unit=unit)
    if stage == "superseded":
        agreed(service=service, business_unit=unit)
    else:
        services.agreement_withdraw(agreement=agreement, actor=service.service_owner, reason="Gone.")
    with pytest.raises(ValidationError, match=f"Version 1 is {stage}; it cannot be withdrawn"):
        services.agreement_withdraw(agreement=agreement, actor=service.service_owner, reason="Again.")
