"""Writes of the feedback app."""

from feedback.services.follow_ups import follow_up_open_if_detractor
from feedback.services.responses import (
    ResponseInput,
    response_problems,
    response_record_external,
    response_record_for_invitation,
)
from feedback.services.themes import themes_match_response

__all__ = [
    "ResponseInput",
    "follow_up_open_if_detractor",
    "response_problems",
    "response_record_external",
    "response_record_for_invitation",
    "themes_match_response",
]
