"""Writes of the feedback app."""

from feedback.services.follow_ups import follow_up_open_if_detractor
from feedback.services.invitations import (
    event_invitations_schedule,
    invitation_groups_due,
    invitations_expire,
    invitations_resend,
    relationship_invitations_create,
)
from feedback.services.responses import (
    ResponseInput,
    response_problems,
    response_record_external,
    response_record_for_invitation,
)
from feedback.services.survey_mail import invitations_send
from feedback.services.surveys import survey_settings_get, survey_settings_update
from feedback.services.themes import themes_match_response

__all__ = [
    "ResponseInput",
    "event_invitations_schedule",
    "follow_up_open_if_detractor",
    "invitation_groups_due",
    "invitations_expire",
    "invitations_resend",
    "invitations_send",
    "relationship_invitations_create",
    "response_problems",
    "response_record_external",
    "response_record_for_invitation",
    "survey_settings_get",
    "survey_settings_update",
    "themes_match_response",
]
