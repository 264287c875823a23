"""Forms of the commitment pages. They collect and clean input; sla.services does the writing
and has the last word (its ValidationErrors come back as form errors)."""

from __future__ import annotations

from django import forms

from catalog.forms import TargetDurationField
from portal.forms import ISO_DATE, PersonChoiceField
from sla.commitments import STATUS_LABELS, STATUSES

OUTCOME_OPEN, OUTCOME_CLOSED, OUTCOME_ANY = "open", "closed", "any"


def _date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        **kwargs,
    )


class CommitmentFilterForm(forms.Form):
    """Filters of the commitment lists (GET); invalid values are ignored, with the error shown."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *((s, STATUS_LABELS[s]) for s in STATUSES)])
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", "Open"), (OUTCOME_CLOSED, "Closed"), (OUTCOME_ANY, "Open or closed")],
    )
    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All services")
    business_unit = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", required=False, empty_label="All business units"
    )

    def __init__(self, *args, services=None, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        if services is None:
            del self.fields["service"]  # the list of one service
        else:
            self.fields["service"].queryset = services
        self.fields["business_unit"].queryset = business_units

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class CommitmentForm(forms.Form):
    """A new commitment for a service."""

    title = forms.CharField(max_length=200)
    definition_of_done = forms.CharField(
        label="What done means",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In the business's words, so both sides agree when it is done.",
    )
    business_unit = forms.ModelChoiceField(
        queryset=None, required=False, label="Promised to", empty_label="Every business unit the service serves"
    )
    owner = PersonChoiceField(queryset=None, help_text="Who reports progress and delivers it.")
    due_on = _date_field("Due on")
    check_in_every = TargetDurationField(
        label="Check in every", initial="7 days", help_text="E.g. 7 days, 2 weeks. At least daily, at most 92 days."
    )
    grace = TargetDurationField(
        label="Grace", initial="2 days", help_text="How late a check-in may be before the commitment is stale."
    )

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = units
        self.fields["owner"].queryset = people


class CheckInForm(forms.Form):
    percent_done = forms.IntegerField(
        label="Percentage done", min_value=0, max_value=100, widget=forms.NumberInput(attrs={"step": 1})
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What moved, what is in the way. Required when the percentage goes down.",
    )


class DeliverForm(forms.Form):
    delivered_on = _date_field("Delivered on", required=False, help_text="Leave empty for today.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RenegotiateForm(forms.Form):
    new_due_on = _date_field("New due date")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the date moves, as you told the business."
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
