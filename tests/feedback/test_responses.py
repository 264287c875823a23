"""Recording responses: single use, expiry, scales, follow-ups for detractors, themes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from feedback.models import FollowUp, Response, Theme
from feedback.services import ResponseInput, response_record_external, response_record_for_invitation
from tests.feedback.conftest import at


def test_an_invitation_takes_one_response(invitation):
    response = response_record_for_invitation(invitation=invitation, answers=ResponseInput(csat=5), now=at(3, 10))
    assert (response.csat, response.service, response.respondent_email) == (5, invitation.service, "ann@example.com")
    invitation.refresh_from_db()
    assert invitation.status == "responded"
    with pytest.raises(ValidationError, match="answered already"):
        response_record_for_invitation(invitation=invitation, answers=ResponseInput(csat=1), now=at(3, 11))
    assert Response.objects.count() == 1


def test_an_expired_link_takes_none(invitation):
    with pytest.raises(ValidationError, match="expired"):
        response_record_for_invitation(invitation=invitation, answers=ResponseInput(csat=4), now=at(30, 9))
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        (ResponseInput(csat=6), "csat"),
        (ResponseInput(nps=11), "nps"),
        (ResponseInput(ces=4), "ces"),  # not asked by this survey
        (ResponseInput(csat=4, comment="x" * 2001), "comment"),
        (ResponseInput(), "non_field_errors"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(invitation, answers, field):
    with pytest.raises(ValidationError) as error:
        response_record_for_invitation(invitation=invitation, answers=answers, now=at(3, 10))
    assert field in error.value.message_dict
    invitation.refresh_from_db()
    assert invitation.responded_at is None


def test_a_detractor_gets_a_follow_up_due_in_two_business_days(invitation):
    # Friday 16:00 on Monday-Friday 09-17: two business days (16 working hours) end Tuesday 16:00.
    response = response_record_for_invitation(invitation=invitation, answers=ResponseInput(nps=3), now=at(6, 16))
    follow_up = FollowUp.objects.get(response=response)
    assert follow_up.owner == invitation.service.service_owner
    assert follow_up.due_at == at(10, 16)


def test_promoters_get_no_follow_up(invitation):
    response_record_for_invitation(invitation=invitation, answers=ResponseInput(nps=9, csat=4), now=at(3, 10))
    assert not FollowUp.objects.exists()


def test_comments_are_matched_to_themes(invitation):
    Theme.objects.create(name="Speed", slug="speed", phrases="slow\ntook ages")
    Theme.objects.create(name="Staff", slug="staff", phrases="helpful\nfriendly")
    response = response_record_for_invitation(
        invitation=invitation, answers=ResponseInput(csat=3, comment="Friendly people, but it took ages."), now=at(3, 9)
    )
    assert sorted(m.theme.slug for m in response.theme_matches.all()) == ["speed", "staff"]
    unrelated = response_record_external(
        service=invitation.service,
        external_id="x1",
        answers=ResponseInput(csat=4, comment="Slowly improving"),
        submitted_at=at(3, 9),
        now=at(3, 10),
    )[0]
    assert not unrelated.theme_matches.exists()  # 'slow' is a whole word


def test_external_responses_are_idempotent_by_their_id(service):
    first, created = response_record_external(
        service=service, external_id="qualtrics-1", answers=ResponseInput(ces=6), submitted_at=at(3, 9), now=at(3, 10)
    )
    again, created_again = response_record_external(
        service=service, external_id="qualtrics-1", answers=ResponseInput(ces=6), submitted_at=at(3, 9), now=at(3, 10)
    )
    assert created and not created_again and first == again
    with pytest.raises(ValidationError) as error:
        response_record_external(
            service=service,
            external_id="x",
            answers=ResponseInput(ces=5),
            submitted_at=at(3, 9) + timedelta(days=9),
            now=at(3, 10),
        )
    assert "submitted_at" in error.value.message_dict
