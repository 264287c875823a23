"""Forms of the portal. They collect and clean input; catalog.services does the writing
and has the last word on validity (its ValidationErrors come back as form errors)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from catalog.forms import TargetDurationField, WarningSharesField
from catalog.models import AGREEMENT_TERMS, Agreement, BusinessUnit, Lifecycle, Priority, Service
from catalog.services import SERVICE_FIELDS, TARGET_FIELDS

LIFECYCLE_ANY = "any"
ISO_DATE = "%Y-%m-%d"  # what <input type="date"> sends and expects
BUSINESS_UNIT_ALL = "all"


def add_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Put a ValidationError raised by a service onto the form: messages for fields the
    form shows go beside them, every other message on top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages)


# --- Catalogue search ---------------------------------------------------------------


class ServiceFilterForm(forms.Form):
    """The catalogue's search box and filters (GET). Invalid values are ignored, with the
    field's error shown, so a hand-edited URL never breaks the page."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Name, purpose or keyword", "autocomplete": "off"}),
    )
    category = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All categories")
    business_unit = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", required=False, empty_label="All business units"
    )
    lifecycle = forms.ChoiceField(
        required=False,
        choices=[("", "Current (not retired)"), *Lifecycle.choices, (LIFECYCLE_ANY, "Any, including retired")],
    )

    def __init__(self, *args, categories, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["business_unit"].queryset = business_units

    def filters(self) -> dict:
        """The valid filters (whatever else was wrong with the input)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


# --- Services -----------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """People listed by name, with the user name to tell namesakes apart."""

    def label_from_instance(self, obj) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class ChoicesByIdField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id. An id too large for the database is simply not one of the
    choices (SQLite cannot even compare it: OverflowError)."""

    LARGEST_ID = 2**63 - 1

    def _check_values(self, value):
        for pk in value:
            try:
                too_large = abs(int(pk)) > self.LARGEST_ID
            except (TypeError, ValueError):
                continue  # not a number at all: refused below like any unknown choice
            if too_large:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class ServiceForm(forms.ModelForm):
    """Create or edit a service. The owner may be chosen by admins only."""

    business_units = ChoicesByIdField(
        queryset=BusinessUnit.objects.none(),
        required=False,
        label="Who it serves",
        help_text="The business units that use the service.",
        widget=forms.CheckboxSelectMultiple,
    )
    depends_on = ChoicesByIdField(
        queryset=Service.objects.none(),
        required=False,
        label="Depends on",
        help_text="Services this one needs in order to work.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = Service
        fields = list(SERVICE_FIELDS)
        field_classes = {"service_owner": PersonChoiceField, "business_owner": PersonChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "how_to_request": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(
        self,
        *args,
        business_units,
        services,
        categories,
        owner_choices=None,
        business_owner_choices,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["business_units"].queryset = business_units
        self.fields["depends_on"].queryset = services.exclude(pk=self.instance.pk) if self.instance.pk else services
        self.fields["business_owner"].queryset = business_owner_choices
        if owner_choices is None:
            del self.fields["service_owner"]
        else:
            self.fields["service_owner"].queryset = owner_choices
        self.fields["support_calendar"].empty_label = "None (each urgency target names its calendar)"
        self.fields[
            "support_calendar"
        ].help_text = (
            "The hours in which the service is supported. Urgency targets count in them unless they name another."
        )
        if self.instance.pk:
            self.initial.setdefault("business_units", list(self.instance.business_units.all()))
            self.initial.setdefault("depends_on", list(self.instance.depends_on.all()))
        else:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Part of the page address. Leave empty to make it from the name."

    def service_fields(self) -> dict:
        """Cleaned values in the shape catalog.services.service_create/update take."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        if not data.get("slug") and not self.instance.pk:
            data.pop("slug", None)
        return data


# --- Agreements ---------------------------------------------------------------------


class AgreementTermsForm(forms.Form):
    """The terms of one agreement version."""

    scope = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="What the service covers under this agreement. Markdown.",
    )
    exclusions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="What it does not cover. Markdown."
    )
    it_responsibilities = forms.CharField(
        label="IT responsibilities", widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown."
    )
    business_responsibilities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Markdown."
    )
    effective_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    review_by = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text="Must be after the date it takes effect.",
    )

    def terms(self) -> dict:
        return {name: self.cleaned_data[name] for name in AGREEMENT_TERMS}

    @staticmethod
    def initial_from(agreement: Agreement | None) -> dict:
        return {name: getattr(agreement, name) for name in AGREEMENT_TERMS} if agreement else {}


class AgreementDraftForm(AgreementTermsForm):
    """A new version: for which business unit of the service, then its terms."""

    business_unit = forms.ChoiceField(
        label="Business unit",
        help_text="An agreement with one business unit, or one that covers all of them.",
    )

    field_order = ["business_unit", *AGREEMENT_TERMS]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.slug: unit for unit in units}
        self.fields["business_unit"].choices = [
            (BUSINESS_UNIT_ALL, "All business units"),
            *((unit.slug, unit.name) for unit in units),
        ]

    def chosen_unit(self) -> BusinessUnit | None:
        return self.units.get(self.cleaned_data["business_unit"])


# --- Service levels of an agreement version: urgency targets and the priority matrix -----

IMPACT_URGENCY_LABELS = ("High", "Medium", "Low")
PRIORITY_CHOICES = [(p, f"P{p}") for p in Priority.values]


class UrgencyTargetRowForm(forms.Form):
    """One priority's row. A row left empty promises nothing for that priority."""

    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, widget=forms.HiddenInput)
    engage_within = TargetDurationField(required=False, label="Engage within", help_text="")
    update_every = TargetDurationField(required=False, label="Update every", help_text="")
    resolve_within = TargetDurationField(required=False, label="Resolve within", help_text="")
    calendar = forms.ModelChoiceField(queryset=None, required=False, label="Counted in")
    objective_percent = forms.DecimalField(
        required=False,
        label="Objective (%)",
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    warning_shares = WarningSharesField(required=False, label="Warn at (%)", help_text="")

    def __init__(self, *args, calendars, support_calendar_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = calendars
        self.fields["calendar"].empty_label = support_calendar_label

    def label(self) -> str:
        # The row's own priority: the posted one is only as good as whoever posted it.
        priority = self.initial.get("priority")
        return Priority(priority).label if priority in Priority.values else "A row that is not a priority"

    def is_target(self) -> bool:
        data = self.cleaned_data
        return any(data.get(name) is not None for name in ("engage_within", "update_every", "resolve_within"))

    def target(self) -> dict:
        """The values for catalog.services; left empty, the objective and warnings take their defaults."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in ("priority", "engage_within", "update_every", "resolve_within")}
        values["calendar"] = data.get("calendar")
        for name in ("objective_percent", "warning_shares"):
            if data.get(name) is not None:
                values[name] = data[name]
        return values

    @staticmethod
    def initial_from(priority: int, target) -> dict:
        if target is None:
            return {"priority": priority}
        initial = {"priority": priority, **{name: getattr(target, name) for name in TARGET_FIELDS}}
        initial["objective_percent"] = format(target.objective_percent.normalize(), "f")  # 95, not 95.00
        return initial


UrgencyTargetFormSet = forms.formset_factory(UrgencyTargetRowForm, extra=0, min_num=5, max_num=5, validate_max=True)


def urgency_target_formset(data=None, *, agreement: Agreement, calendars) -> forms.BaseFormSet:
    """One row per priority, P1 to P5, filled from the draft's targets."""
    support = agreement.service.support_calendar
    stored = {target.priority: target for target in agreement.urgency_targets.all()}
    return UrgencyTargetFormSet(
        data,
        prefix="targets",
        initial=[UrgencyTargetRowForm.initial_from(p, stored.get(p)) for p in Priority.values],
        form_kwargs={
            "calendars": calendars,
            "support_calendar_label": f"Support calendar ({support.name})" if support else "Support calendar (none)",
        },
    )


class PriorityMatrixForm(forms.Form):
    """The priority for each impact (rows) and urgency (columns): fields impact_<i>_urgency_<u>."""

    def __init__(self, *args, matrix, **kwargs):
        super().__init__(*args, **kwargs)
        for impact in range(3):
            for urgency in range(3):
                name = f"impact_{impact + 1}_urgency_{urgency + 1}"
                self.fields[name] = forms.TypedChoiceField(
                    choices=PRIORITY_CHOICES,
                    coerce=int,
                    initial=matrix[impact][urgency],
                    label=f"Impact {IMPACT_URGENCY_LABELS[impact].lower()}, "
                    f"urgency {IMPACT_URGENCY_LABELS[urgency].lower()}",
                )

    def rows(self) -> list[tuple[str, list]]:
        """(impact label, its three bound fields) for the template's grid."""
        return [
            (label, [self[f"impact_{impact + 1}_urgency_{urgency + 1}"] for urgency in range(3)])
            for impact, label in enumerate(IMPACT_URGENCY_LABELS)
        ]

    def matrix(self) -> list[list[int]]:
        return [[self.cleaned_data[f"impact_{i}_urgency_{u}"] for u in (1, 2, 3)] for i in (1, 2, 3)]


def add_targets_error(rows: list[forms.Form], error: ValidationError) -> list[str]:
    """Put the problems catalog.services found ("targets[<i>].<field>", i counting the rows
    that are targets) beside their fields. Returns the messages for the top of the page."""
    if not hasattr(error, "error_dict"):
        return error.messages
    rest = []
    for key, messages in error.message_dict.items():
        index, _, field = key.removeprefix("targets[").partition("].")
        if key.startswith("targets[") and index.isdigit() and int(index) < len(rows):
            row = rows[int(index)]
            row.add_error(field if field in row.fields else None, messages)
        else:
            rest += messages
    return rest


class AgreementWithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when the agreement is in force: the business loses its agreed terms.",
    )


class InForceFilterForm(forms.Form):
    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All services")
    business_unit = forms.ChoiceField(required=False)

    def __init__(self, *args, services, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["business_unit"].choices = [
            ("", "Any business unit"),
            (BUSINESS_UNIT_ALL, "Agreements for all business units"),
            *((unit.slug, unit.name) for unit in business_units),
        ]

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
