"""The customer's voice: surveys and responses, follow-ups, themes, IT's view of itself."""

from feedback.models.loop import (
    DiscoveredTopic,
    FollowUp,
    FollowUpState,
    SelfAssessment,
    Theme,
    ThemeMatch,
)
from feedback.models.surveys import (
    COMMENT_MAX_LENGTH,
    Invitation,
    InvitationKind,
    InvitationStatus,
    LostTime,
    Response,
    ResponseSource,
    SurveyKind,
    SurveySettings,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "DiscoveredTopic",
    "FollowUp",
    "FollowUpState",
    "Invitation",
    "InvitationKind",
    "InvitationStatus",
    "LostTime",
    "Response",
    "ResponseSource",
    "SelfAssessment",
    "SurveyKind",
    "SurveySettings",
    "Theme",
    "ThemeMatch",
]
