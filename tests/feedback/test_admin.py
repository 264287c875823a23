"""Admin of the feedback app: every model listed; invitations and responses read-only (resend
action); settings, themes and self-assessments edited through the services' checks; follow-ups
reassigned, contacted and closed through feedback.services."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from feedback.models import DiscoveredTopic, FollowUp, Invitation, SelfAssessment, SurveySettings, Theme
from feedback.services import ResponseInput, response_record_for_invitation
from feedback.services.surveys import survey_settings_get
from tests import factories as f
from tests.feedback.conftest import at


@pytest.fixture
def admin_client(client, db):
    client.force_login(f.admin_user(username="boss"))
    return client


@pytest.fixture
def answered(invitation):
    return response_record_for_invitation(
        invitation=invitation, answers=ResponseInput(csat=1, comment="<b>Slow</b> & rude"), now=at(3, 10)
    )


@pytest.mark.parametrize(
    "model", ["surveysettings", "invitation", "response", "followup", "theme", "discoveredtopic", "selfassessment"]
)
def test_every_feedback_model_is_listed(admin_client, answered, model):
    DiscoveredTopic.objects.create(label="vpn, password", terms=["vpn"], size=3, discovered_at=at(4, 9))
    survey_settings_get(service=answered.service)
    page = admin_client.get(reverse(f"admin:feedback_{model}_changelist"))
    assert page.status_code == 200


def test_invitations_and_responses_are_read_only_and_comments_escaped(admin_client, answered, invitation):
    assert admin_client.get(reverse("admin:feedback_invitation_add")).status_code == 403
    page = admin_client.get(reverse("admin:feedback_response_change", args=[answered.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in html
    assert "&lt;b&gt;Slow&lt;/b&gt; &amp; rude" in html and "<b>Slow</b>" not in html
    listing = admin_client.get(reverse("admin:feedback_response_changelist")).content.decode()
    assert "&lt;b&gt;Slow&lt;/b&gt;" in listing
    assert "Lost time" in listing  # a column and a filter (docs/feedback.md#lost-time)
    html = admin_client.get(reverse("admin:feedback_invitation_change", args=[invitation.pk])).content.decode()
    assert invitation.nonce not in html  # with the secret key it makes the link


def test_resending_invitations_sends_the_unanswered_ones(admin_client, service, invitation):
    answered = Invitation.objects.create(
        kind="event", service=service, kinds=["csat"], email="bob@example.com", nonce="other",
        send_after=at(2, 9), expires_at=at(16, 9),
    )  # fmt: skip
    response_record_for_invitation(invitation=answered, answers=ResponseInput(csat=5), now=at(3, 9))
    with time_machine.travel(at(20, 9), tick=False), pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda callback, **kwargs: callback())
        page = admin_client.post(
            reverse("admin:feedback_invitation_changelist"),
            {"action": "resend", "_selected_action": [invitation.pk, answered.pk]},
            follow=True,
        )
    assert "1 invitation(s) queued to send again. 1 left alone: they were answered already." in page.content.decode()
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.sent_at) == ("sent", at(20, 9))


def test_survey_settings_are_checked_like_the_service_checks_them(admin_client, service):
    settings = survey_settings_get(service=service)
    url = reverse("admin:feedback_surveysettings_change", args=[settings.pk])
    form = {
        "event_surveys": "on",
        "event_kinds": ["csat", "ces"],
        "event_delay": "10 days, 0:00:00",
        "fatigue_days": "30",
        "relationship_surveys": "on",
        "ask_comment": "on",
        "csat_question": "",
        "nps_question": "",
        "ces_question": "",
        "invitation_valid_for": "14 days, 0:00:00",
    }
    page = admin_client.post(url, form)
    assert page.status_code == 200 and "Wait between 0 and 7 days after the resolution." in page.content.decode()
    form["event_delay"] = "2:00:00"
    assert admin_client.post(url, form).status_code == 302
    settings.refresh_from_db()
    assert (settings.event_kinds, settings.event_delay.total_seconds()) == (["csat", "ces"], 7200)


def test_themes_are_edited_in_the_admin_and_comments_matched_again(
    admin_client, answered, django_capture_on_commit_callbacks
):
    form = {"name": "Manners", "slug": "manners", "phrases": "polite\n", "description": "", "active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(reverse("admin:feedback_theme_add"), form).status_code == 302
    theme = Theme.objects.get()
    assert theme.phrase_list == ["polite"] and not answered.theme_matches.exists()
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(reverse("admin:feedback_theme_change", args=[theme.pk]), {**form, "phrases": "rude"})
    assert page.status_code == 302
    assert [(m.theme, m.phrase) for m in answered.theme_matches.all()] == [(theme, "rude")]


def test_a_follow_up_is_contacted_then_closed_through_the_services(admin_client, answered):
    follow_up = FollowUp.objects.get()
    url = reverse("admin:feedback_followup_change", args=[follow_up.pk])
    form = {"owner": follow_up.owner_id, "due_at_0": "2026-11-05", "due_at_1": "16:00:00"}
    with time_machine.travel(at(4, 9), tick=False):
        assert admin_client.post(url, {**form, "record_outcome": "Called Ann; fixed her access."}).status_code == 302
        follow_up.refresh_from_db()
        assert (follow_up.state, follow_up.outcome, follow_up.contacted_at) == (
            "contacted",
            "Called Ann; fixed her access.",
            at(4, 9),
        )
        assert admin_client.post(url, {**form, "record_learned": "Access requests need a check."}).status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.learned) == ("closed", "Access requests need a check.")


def test_a_self_assessment_rates_the_six_factors(admin_client, service):
    form = {
        "service": service.pk,
        "period_start": "2026-10-01",
        "note": "Honest view",
        **{f"rating_{factor}": "4" for factor in ("engagement", "urgency", "ownership", "pace", "results")},
    }
    url = reverse("admin:feedback_selfassessment_add")
    with time_machine.travel(at(4, 9), tick=False):
        page = admin_client.post(url, form)
        assert page.status_code == 200 and "Rate User experience from 1 to 5." in page.content.decode()
        assert admin_client.post(url, {**form, "rating_user_experience": "2"}).status_code == 302
    assessment = SelfAssessment.objects.get()
    assert (assessment.period_start, assessment.ratings["user_experience"], assessment.by.username) == (
        date(2026, 10, 1),
        2,
        "boss",
    )


def test_survey_settings_can_be_added_for_a_service_without_any(admin_client, service):
    form = {
        "service": service.pk,
        "event_surveys": "on",
        "event_kinds": ["nps"],
        "event_delay": "1 day, 0:00:00",
        "fatigue_days": "45",
        "ask_comment": "on",
        "invitation_valid_for": "7 days, 0:00:00",
    }
    assert admin_client.post(reverse("admin:feedback_surveysettings_add"), form).status_code == 302
    settings = SurveySettings.objects.get(service=service)
    assert (settings.event_kinds, settings.fatigue_days, settings.relationship_surveys) == (["nps"], 45, False)
