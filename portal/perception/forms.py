"""IT's self-assessment form: the six success factors, each with what it means in the business's
words, rated 1-5, and a note. feedback.services.self_assessment has the last word on validity."""

from __future__ import annotations

from django import forms

from feedback.perception import FACTOR_LABELS, FACTORS
from feedback.services.self_assessment import NOTE_MAX_LENGTH
from portal.measure_definitions.presenters import FACTOR_QUESTIONS

RATING_CHOICES = [
    ("1", "1 – Poor"),
    ("2", "2 – Weak"),
    ("3", "3 – Adequate"),
    ("4", "4 – Good"),
    ("5", "5 – Excellent"),
]


class SelfAssessmentForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What lies behind the ratings, for the business to read beside its own view.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rating_fields = {
            factor: forms.ChoiceField(
                label=FACTOR_LABELS[factor],
                help_text=FACTOR_QUESTIONS[factor],
                choices=RATING_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": f"Rate {FACTOR_LABELS[factor]} from 1 to 5."},
            )
            for factor in FACTORS
        }
        # The six factors first, in their usual order; the note last.
        self.fields = {**rating_fields, "note": self.fields["note"]}

    def ratings(self) -> dict[str, int]:
        return {factor: int(self.cleaned_data[factor]) for factor in FACTORS}
