"""Forms of the follow-up pages. They collect and clean input; feedback.services.follow_ups does
the writing and has the last word (its ValidationErrors come back as form errors)."""

from __future__ import annotations

from django import forms

from feedback.follow_up_selectors import STATE_FILTERS
from feedback.services.follow_ups import TEXT_MAX_LENGTH

WHOSE_MINE, WHOSE_ALL = "", "all"


class FollowUpFilterForm(forms.Form):
    """Filters of the follow-up lists (GET); invalid values are ignored, with the error shown."""

    state = forms.ChoiceField(required=False, choices=list(STATE_FILTERS.items()))
    whose = forms.ChoiceField(required=False, label="Whose")
    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All services")

    def __init__(self, *args, services=None, is_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whose"].choices = [
            (WHOSE_MINE, "Mine"),
            (WHOSE_ALL, "Everyone's" if is_admin else "Mine and my services'"),
        ]
        if services is None:
            del self.fields["service"]  # the list of one service
        else:
            self.fields["service"].queryset = services

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class ContactedForm(forms.Form):
    outcome = forms.CharField(
        label="What came of the call",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was agreed with the customer.",
    )
    contacted_at = forms.DateTimeField(
        label="Contacted at",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the service's time zone. Leave empty for now.",
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label="What came of the call",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the call was not recorded yet; otherwise it replaces what was recorded.",
    )
    learned = forms.CharField(
        label="What IT learned",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For the service's improvement: what should change so this does not happen again.",
    )
