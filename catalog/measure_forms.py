"""The form of one success measure, shared by the admin's inline and the portal's edit page. It
parses what people type; catalog.services.measure_rules decides whether the values are allowed
(its problems go beside their fields: see `add_measure_problems`)."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms

from catalog.forms import TargetDurationField
from catalog.measure_text import EMPTY_CHOICES, IMPLIED_CHOICE, MEASURE_HELP, MEASURE_LABELS
from catalog.models import Aggregation, Direction, Measure, MeasureSource, Priority
from catalog.services.measure_rules import MEASURE_INPUT_FIELDS

MEASURE_FORM_FIELDS = list(MEASURE_INPUT_FIELDS)
IMPLIED_FIELDS = ("aggregation", "unit", "direction")
NUMBER_FIELDS = ("condition_value", "target", "warning_level", "valid_min", "valid_max")


class MeasureForm(forms.ModelForm):
    """One measure. Direction and aggregation may be left to the source (tickets and feedback
    measures imply them; entered and pushed ones default to higher is better and the mean)."""

    class Meta:
        model = Measure
        fields = MEASURE_FORM_FIELDS
        field_classes = {"ticket_within": TargetDurationField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = MEASURE_HELP.get(name, field.help_text)
            field.label = MEASURE_LABELS.get(name, field.label)
        for name, empty in EMPTY_CHOICES.items():
            self.fields[name].choices = [("", empty), *self.fields[name].choices[1:]]
        for name, choices in (("direction", Direction.choices), ("aggregation", Aggregation.choices)):
            self.fields[name].required = False
            self.fields[name].choices = [("", IMPLIED_CHOICE), *choices]
            if self.instance.pk is None and not self.initial.get(name):
                self.initial[name] = ""
        self.fields["ticket_priority"] = forms.TypedChoiceField(
            choices=[("", "Every priority"), *Priority.choices],
            coerce=int,
            empty_value=None,
            required=False,
            label=MEASURE_LABELS["ticket_priority"],
            help_text=MEASURE_HELP["ticket_priority"],
        )
        for name in NUMBER_FIELDS:
            self.fields[name].widget.attrs["step"] = "any"
        self.fields["ticket_within"].required = False

    def _post_clean(self) -> None:
        # No model validation here: catalog.services checks the values, with messages meant
        # for people, and writes them. (Model.clean would say the same things twice.)
        pass

    def measure_values(self) -> dict:
        """The cleaned values in the shape catalog.services takes. A measure moved from or to
        tickets or feedback, or to another of their metrics, leaves behind the aggregation, unit
        and direction it had (the new metric implies its own), unless those were changed too."""
        values = {name: self.cleaned_data.get(name) for name in MEASURE_INPUT_FIELDS}
        derived = (MeasureSource.TICKETS, MeasureSource.FEEDBACK)
        involved = self.initial.get("source") in derived or values["source"] in derived
        if involved and {"source", "ticket_metric", "feedback_metric"} & set(self.changed_data):
            for name in IMPLIED_FIELDS:
                if name not in self.changed_data:
                    values[name] = None
        return values


def add_measure_problems(forms_by_index: Sequence[forms.Form | None], problems: dict[str, list[str]]) -> list[str]:
    """Put the problems of catalog.services.measures_clean ("measures[<i>].<field>") beside
    their fields; `forms_by_index[i]` is the form of the i-th measure given (None when the
    measure was not on the page). Returns the messages that belong to no field shown."""
    rest = []
    for key, messages in problems.items():
        index, _, field = key.removeprefix("measures[").partition("]")
        field = field.removeprefix(".")
        form = forms_by_index[int(index)] if key.startswith("measures[") and index.isdigit() else None
        if form is None:
            rest += messages
        else:
            form.add_error(field if field in form.fields else None, messages)
    return rest
