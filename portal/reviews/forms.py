"""The forms of the review page: an action agreed at the meeting, and closing one."""

from __future__ import annotations

from django import forms

from portal.forms import PersonChoiceField
from portal.reviews.models import ActionStatus
from portal.reviews.services import TEXT_MAX


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ReviewActionForm(forms.Form):
    text = forms.CharField(
        label="Action",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was agreed, in the words used at the table.",
    )
    owner = PersonChoiceField(queryset=None, help_text="Who carries it: someone on either side.")
    due_on = _date_field("Due on")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people


class ReviewActionCloseForm(forms.Form):
    status = forms.ChoiceField(choices=[(ActionStatus.DONE, "Done"), (ActionStatus.DROPPED, "Dropped")])
