"""Forms of catalogue alignment: a unit's marks, a request for what the catalogue lacks, IT's
answer. They check shapes; catalog.alignment.services checks the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from catalog.alignment.models import MAX_COST, MAX_USERS, RequestSource, RequestState
from catalog.models import Category, Service
from portal.forms import ChoicesByIdField
from portal.widgets import PlainSelect


class MarksForm(forms.Form):
    services = ChoicesByIdField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="The services the unit receives",
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services


class MissingServiceRequestForm(forms.Form):
    title = forms.CharField(
        max_length=160,
        label="What do you rely on?",
        help_text="Its name as your people know it, e.g. “Expenses app”, “Delivery rota spreadsheet”.",
    )
    source = forms.ChoiceField(
        choices=RequestSource.choices, widget=forms.RadioSelect, initial=RequestSource.UNLISTED, label="Who provides it"
    )
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What it is used for",
        help_text="Who uses it, for what, and what happens when it is not there.",
    )
    annual_cost = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_value=MAX_COST,
        decimal_places=2,
        max_digits=12,
        label="Annual cost (optional)",
        help_text="What the unit pays for it a year, if it pays.",
    )
    users_affected = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_USERS, label="People who rely on it (optional)"
    )


ANSWER_CHOICES = [
    (RequestState.ADDED, "Add it to the catalogue (a proposed service, owned by you)"),
    (RequestState.EXISTS, "It already lives in the catalogue: link the service"),
    (RequestState.DECLINED, "Decline, with the reason"),
]


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(choices=ANSWER_CHOICES, widget=forms.RadioSelect, label="IT's answer")
    answer = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Explanation or reason",
        help_text="Required when it already exists (where, and how to get it) or when declining (why).",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, label="Category of the new service"
    )
    service_name = forms.CharField(
        required=False, max_length=160, label="Name of the new service", help_text="Blank: the request's own words."
    )
    # The whole catalogue: written by PlainSelect, not one template render an option.
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label="Where it already lives", widget=PlainSelect
    )
    serve_unit = forms.BooleanField(
        required=False, label="Also list the unit among those this service serves (IT's list)"
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


# --- Changing a request after it was made ----------------------------------------------------------

NOTE_MAX_LENGTH = 1000


def _note(label: str, help_text: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=label,
        help_text=help_text,
        error_messages={"required": f"{label} is required: say in a few words why."},
    )


class RequestEditForm(MissingServiceRequestForm):
    """The unit corrects its request while IT has not answered it."""

    note = _note("What changed (optional)", "Kept in the request's history, for IT.")


class WithdrawForm(forms.Form):
    note = _note("Why (optional)", "E.g. “asked twice”, “we stopped using it”. Kept in the request's history.")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class AssignForm(forms.Form):
    owner = OwnerChoiceField(
        queryset=Service.objects.none(),
        widget=PlainSelect,
        label="Give it to",
        help_text="IT people (service owners) and admins. Its overdue alert, if any, follows the request.",
    )
    note = _note("Why (optional)", "Kept in the request's history.")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = candidates


class CorrectAnswerForm(AnswerForm):
    """A new answer in place of one given in error, with what was wrong."""

    note = _note(
        "What was wrong",
        "E.g. “linked the wrong service”, “declined by mistake”. The unit reads it in the request's history.",
        required=True,
    )
