"""The agreement timeline, missing signatures and how values are written are pure functions of the data."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from catalog.models import Agreement, AgreementStatus, BusinessUnit
from portal.presenters import agreement_timeline, missing_signatures, signing_side_label
from portal.templatetags.portal import number

User = get_user_model()
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _agreement(**fields):
    return Agreement(version=2, created_at=T0, created_by=User(username="olive"), **fields)


def test_timeline_of_a_fresh_draft_is_its_creation():
    events = agreement_timeline(_agreement())
    assert [e.what for e in events] == ["Draft created"]
    assert events[0].who.username == "olive"


def test_timeline_lists_every_step_in_time_order_even_when_the_business_signed_first():
    it, rep = User(username="it"), User(username="rep")
    agreement = _agreement(
        business_unit=BusinessUnit(pk=5, name="Finance"),
        status=AgreementStatus.SUPERSEDED,
        proposed_at=T0 + timedelta(days=1),
        business_signed_at=T0 + timedelta(days=2),
        business_signed_by=rep,
        it_signed_at=T0 + timedelta(days=3),
        it_signed_by=it,
        agreed_at=T0 + timedelta(days=3, seconds=1),
        superseded_at=T0 + timedelta(days=90),
    )
    events = agreement_timeline(agreement)
    assert [e.what for e in events] == [
        "Draft created",
        "Proposed for signature",
        "Signed for the business (Finance)",
        "Signed for IT",
        "Agreed: in force",
        "Superseded",
    ]
    assert events[2].who is rep and events[3].who is it


def test_timeline_shows_the_reason_for_a_withdrawal():
    agreement = _agreement(
        status=AgreementStatus.WITHDRAWN, withdrawn_at=T0 + timedelta(hours=1), withdrawal_reason="Service retired."
    )
    last = agreement_timeline(agreement)[-1]
    assert last.what == "Withdrawn"
    assert last.note == "Service retired."


def test_missing_signatures_name_the_sides_still_to_sign():
    unit = BusinessUnit(pk=7, name="Finance")
    proposed = _agreement(status=AgreementStatus.PROPOSED, business_unit=unit)
    assert missing_signatures(proposed) == ["IT (the service owner)", "the business (a representative of Finance)"]
    proposed.it_signed_by = User(pk=1, username="it")
    assert missing_signatures(proposed) == ["the business (a representative of Finance)"]


def test_missing_business_signature_of_an_all_units_agreement_is_the_business_owner():
    proposed = _agreement(status=AgreementStatus.PROPOSED, it_signed_by=User(pk=1, username="it"))
    assert missing_signatures(proposed) == ["the business (the service's business owner)"]


def test_only_proposed_versions_miss_signatures():
    assert missing_signatures(_agreement(status=AgreementStatus.DRAFT)) == []
    assert missing_signatures(_agreement(status=AgreementStatus.WITHDRAWN)) == []


def test_signing_side_label():
    agreement = _agreement(business_unit=BusinessUnit(pk=3, name="Sales"))
    assert signing_side_label("it", agreement) == "IT (as service owner)"
    assert signing_side_label("business", agreement) == "the business (Sales)"
    assert signing_side_label(None, agreement) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [(97.5, "97.5"), (99.0, "99"), (1250, "1,250"), (0.0025, "0.0025"), (0.00004, "0"), (-0.00001, "0"), (None, "—")],
)
def test_number_writes_values_as_people_do(value, text):
    assert number(value) == text
