"""The public survey form: one radio scale per question and an optional comment."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from feedback.models import COMMENT_MAX_LENGTH, LostTime
from feedback.services import ResponseInput
from feedback.services.surveys import SCORE_KINDS, Question


class ScaleWidget(forms.RadioSelect):
    template_name = "feedback/public/_scale.html"


class ChoicesWidget(forms.RadioSelect):
    template_name = "feedback/public/_choices.html"


LOST_TIME_QUESTION = "How much of your work time did this cost you? (optional)"
LOST_TIME_HINT = "Waiting, working around the problem, explaining it again: all of it counts."


class SurveyForm(forms.Form):
    def __init__(
        self, *args, questions: list[Question], ask_comment: bool, ask_lost_time: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            message = f"Choose from {question.low} to {question.high}."
            field = forms.IntegerField(
                label=question.text,
                help_text=question.help,
                required=False,
                min_value=question.low,
                max_value=question.high,
                widget=ScaleWidget(choices=[(value, str(value)) for value in question.choices]),
                error_messages={"invalid": message, "min_value": message, "max_value": message},
            )
            field.question = question
            self.fields[question.name] = field
        if ask_lost_time:
            self.fields["lost_time"] = forms.ChoiceField(
                label=LOST_TIME_QUESTION,
                help_text=LOST_TIME_HINT,
                required=False,
                choices=LostTime.choices,
                widget=ChoicesWidget,
                error_messages={"invalid_choice": "Choose one of the answers given."},
            )
        if ask_comment:
            self.fields["comment"] = forms.CharField(
                label="Anything you would like to add? (optional)",
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 5, "maxlength": COMMENT_MAX_LENGTH}),
                error_messages={"max_length": f"Keep the comment to {COMMENT_MAX_LENGTH:,} characters."},
            )

    @property
    def scale_fields(self):
        return [self[question.name] for question in self.questions]

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and all(cleaned.get(q.name) is None for q in self.questions)
            and not cleaned.get("lost_time")
        ):
            raise ValidationError("Choose at least one answer.")
        return cleaned

    def answers(self) -> ResponseInput:
        data = self.cleaned_data
        return ResponseInput(
            csat=data.get("csat"),
            nps=data.get("nps"),
            ces=data.get("ces"),
            factor_ratings={
                q.name: data[q.name]
                for q in self.questions
                if q.name not in SCORE_KINDS and data.get(q.name) is not None
            },
            comment=data.get("comment") or "",
            lost_time=data.get("lost_time") or "",
        )

    def add_service_problems(self, problems: dict[str, list[str]]) -> None:
        """Messages from feedback.services placed beside their fields (or above the form)."""
        for name, messages in problems.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def prefill(query, questions: list[Question]) -> dict[str, int]:
    """A score ticked from the e-mail's one-tap links (?csat=4); anything else is ignored."""
    initial = {}
    for question in questions:
        raw = query.get(question.name, "")
        if raw.isdigit() and question.low <= int(raw) <= question.high:
            initial[question.name] = int(raw)
    return initial
