"""Surveys: per-service settings (created with the defaults when first needed), what each survey
asks and how it is worded, and quarters. Who is invited when: feedback.services.invitations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Service, SuccessFactor
from feedback.models import Invitation, InvitationKind, SurveyKind, SurveySettings
from sla.models import Ticket
from sla.periods import QUARTER, period_start_date

SCORE_KINDS = tuple(SurveyKind.values)
DEFAULT_EVENT_KINDS = [SurveyKind.CSAT.value, SurveyKind.NPS.value, SurveyKind.CES.value]

# The six factors in the business's words; a relationship survey rates each from 1 to 5.
FACTOR_QUESTIONS = {
    SuccessFactor.ENGAGEMENT: "Does IT respond when we need it?",
    SuccessFactor.URGENCY: "Is urgent work done fast?",
    SuccessFactor.OWNERSHIP: "Does someone own each problem?",
    SuccessFactor.PACE: "Do we hear how things progress, when we were told we would?",
    SuccessFactor.RESULTS: "Is what was promised delivered?",
    SuccessFactor.USER_EXPERIENCE: "How do people find the service?",
}


@dataclass(frozen=True)
class Question:
    name: str  # csat, nps, ces, or a success factor
    text: str
    low: int
    high: int
    low_label: str
    high_label: str
    help: str = ""

    @property
    def choices(self) -> list[int]:
        return list(range(self.low, self.high + 1))


# --- Settings -----------------------------------------------------------------------------------


def survey_settings_get(*, service: Service) -> SurveySettings:
    """The service's settings, created with the defaults the first time they are needed."""
    found, _ = SurveySettings.objects.get_or_create(service=service, defaults={"event_kinds": DEFAULT_EVENT_KINDS})
    return found


def survey_settings_for_services(service_ids: Iterable[int]) -> dict[int, SurveySettings]:
    """Settings of many services at once, the missing ones created with the defaults."""
    service_ids = set(service_ids)
    existing = set(SurveySettings.objects.filter(service_id__in=service_ids).values_list("service_id", flat=True))
    SurveySettings.objects.bulk_create(
        [SurveySettings(service_id=pk, event_kinds=DEFAULT_EVENT_KINDS) for pk in service_ids - existing],
        ignore_conflicts=True,
    )
    return {s.service_id: s for s in SurveySettings.objects.filter(service_id__in=service_ids)}


def event_kinds_of(settings: SurveySettings) -> list[str]:
    kinds = [kind for kind in SurveyKind.values if kind in (settings.event_kinds or [])]
    return kinds or list(DEFAULT_EVENT_KINDS)


# The bounds of the settings, in days (docs/feedback.md says why): the API's serializer states
# them too, so that its schema shows them and a value out of range is refused before any arithmetic.
EVENT_DELAY_DAYS = (0, 7)
INVITATION_VALID_DAYS = (1, 90)
FATIGUE_DAYS = (0, 365)
EVENT_DELAY_PROBLEM = "Wait between 0 and 7 days after the resolution."
INVITATION_VALID_PROBLEM = "A link stays valid between 1 and 90 days."
FATIGUE_PROBLEM = "Ask the same person at most once in 0 to 365 days."

SETTINGS_FIELDS = (
    "event_surveys",
    "event_kinds",
    "event_delay",
    "fatigue_days",
    "relationship_surveys",
    "ask_comment",
    "csat_question",
    "nps_question",
    "ces_question",
    "invitation_valid_for",
)


def survey_settings_problems(*, settings: SurveySettings, changes: dict) -> dict[str, list[str]]:
    """Field -> messages for settings that would not work (as changed by `changes`)."""
    problems: dict[str, list[str]] = {}
    for name in sorted(set(changes) - set(SETTINGS_FIELDS)):
        problems[name] = ["Not a survey setting."]

    def value(name):
        return changes.get(name, getattr(settings, name))

    kinds = value("event_kinds")
    if not isinstance(kinds, list) or any(kind not in SurveyKind.values for kind in kinds):
        problems["event_kinds"] = [f"Choose among {', '.join(SurveyKind.values)}."]
    delay = value("event_delay")
    low, high = EVENT_DELAY_DAYS
    if not isinstance(delay, timedelta) or not timedelta(days=low) <= delay <= timedelta(days=high):
        problems["event_delay"] = [EVENT_DELAY_PROBLEM]
    valid_for = value("invitation_valid_for")
    low, high = INVITATION_VALID_DAYS
    if not isinstance(valid_for, timedelta) or not timedelta(days=low) <= valid_for <= timedelta(days=high):
        problems["invitation_valid_for"] = [INVITATION_VALID_PROBLEM]
    fatigue = value("fatigue_days")
    low, high = FATIGUE_DAYS
    if isinstance(fatigue, bool) or not isinstance(fatigue, int) or not low <= fatigue <= high:
        problems["fatigue_days"] = [FATIGUE_PROBLEM]
    for name in ("csat_question", "nps_question", "ces_question"):
        if len(value(name) or "") > 300:
            problems[name] = ["Keep the question to 300 characters."]
    return problems


def survey_settings_update(*, settings: SurveySettings, **changes) -> SurveySettings:
    """Change a service's settings; every problem is reported at once, nothing half-written.
    No event kind ticked means all three."""
    problems = survey_settings_problems(settings=settings, changes=changes)
    if problems:
        raise ValidationError(problems)
    if "event_kinds" in changes:
        changes["event_kinds"] = [kind for kind in SurveyKind.values if kind in changes["event_kinds"]]
    for name, value in changes.items():
        setattr(settings, name, value)
    if changes:
        settings.save(update_fields=list(changes))
    return settings


# --- What a survey asks -------------------------------------------------------------------------


def _worded(override: str, default: str, service: Service) -> str:
    # Overrides may name the service as {service}; anything else in braces is left as written.
    return (override.strip() or default).replace("{service}", service.name)


def survey_questions(*, invitation: Invitation, settings: SurveySettings) -> list[Question]:
    """The questions of an invitation's page, in order."""
    service = invitation.service
    if invitation.kind == InvitationKind.RELATIONSHIP:
        return [
            Question(factor, SuccessFactor(factor).label, 1, 5, "Very poor", "Excellent", FACTOR_QUESTIONS[factor])
            for factor in SuccessFactor.values
        ]
    event = invitation.ticket_id is not None
    defaults = {
        SurveyKind.CSAT: (
            "How satisfied are you with how {service} handled your request?"
            if event
            else "How satisfied are you with {service}?",
            1,
            5,
            "Very dissatisfied",
            "Very satisfied",
        ),
        SurveyKind.NPS: (
            "How likely are you to recommend {service} to a colleague?",
            0,
            10,
            "Not at all likely",
            "Extremely likely",
        ),
        SurveyKind.CES: ("IT made it easy for me to handle my request.", 1, 7, "Strongly disagree", "Strongly agree"),
    }
    questions = []
    for kind in SurveyKind.values:
        if kind not in invitation.kinds:
            continue
        text, low, high, low_label, high_label = defaults[kind]
        override = getattr(settings, f"{kind}_question")
        questions.append(Question(kind, _worded(override, text, service), low, high, low_label, high_label))
    return questions


def event_survey_intro(ticket: Ticket | None) -> str:
    """The question that opens an event survey, about that ticket."""
    title = " ".join((ticket.title if ticket else "").split())
    if title:
        return f"Your request “{title}” was resolved. Are you now able to do what you needed?"
    return "Your request was resolved. Are you now able to do what you needed?"


# --- Quarters ------------------------------------------------------------------------------------

QUARTER_PATTERN = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_parse(text: str) -> date:
    """'2026-Q4' -> date(2026, 10, 1); ValueError naming the expected form otherwise."""
    match = QUARTER_PATTERN.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a quarter; write it like 2026-Q4.")
    return date(int(match[1]), 3 * (int(match[2]) - 1) + 1, 1)


def quarter_label(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def quarter_of(moment: datetime) -> date:
    return period_start_date(QUARTER, timezone.localtime(moment).date())
