"""Field types, choices and validators of calendars (no model imports: models.py uses these)."""

from __future__ import annotations

import re
from functools import lru_cache

import holidays
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from sla import business_time


def validate_time_zone(value: str) -> None:
    try:
        business_time.zone_from_name(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_time_zone") from None


@lru_cache(maxsize=1)
def _country_names() -> tuple[tuple[str, str], ...]:
    supported = holidays.list_supported_countries()
    names = {}
    for class_name, code, *_ in holidays.registry.COUNTRIES.values():
        if code in supported:
            words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
            names[code] = re.sub(r"\b(And|Of|The)\b", lambda m: m[0].lower(), words)
    return tuple(sorted(((code, f"{name} ({code})") for code, name in names.items()), key=lambda c: c[1]))


def holiday_country_choices() -> list[tuple[str, str]]:
    """Countries the installed holidays package knows, for a select box (callable: no migration churn)."""
    return list(_country_names())


def holiday_subdivision_code(country: str, subdivision: str) -> str:
    """Accept a subdivision's name as well as its code ("England" -> "ENG"); leave unknown text as is."""
    subdivision = subdivision.strip()
    if not country or not subdivision:
        return subdivision
    known = holidays.list_supported_countries().get(country)
    if known is None:
        return subdivision
    if subdivision.upper() in known:
        return subdivision.upper()
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {}) or {}
    wanted = re.sub(r"\s+", " ", subdivision).casefold()
    for alias, code in aliases.items():
        if alias.casefold() == wanted:
            return code
    return subdivision


def holiday_subdivision_hint(country: str) -> str:
    """'ENG (England), NIR (Northern Ireland), ...' for error messages and help texts."""
    codes = holidays.list_supported_countries().get(country) or []
    if not codes:
        return "none"
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {}) or {}
    names = {code: alias for alias, code in aliases.items()}
    return ", ".join(f"{code} ({names[code]})" if code in names else code for code in codes)


class ClockTimeFormField(forms.Field):
    """HH:MM in forms (00:00 to 24:00), minutes since local midnight in Python."""

    default_error_messages = {
        "invalid": "Enter a time of day as HH:MM between 00:00 and 24:00, e.g. 09:00 or 24:00.",
        "whole_minutes": "Use whole minutes (HH:MM).",
    }

    def __init__(self, **kwargs):
        for unused in ("max_value", "min_value", "step_size", "coerce"):
            kwargs.pop(unused, None)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 5, "maxlength": 5, "placeholder": "HH:MM"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return business_time.format_clock(value * 60)
        return value

    def to_python(self, value):
        if isinstance(value, int):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            seconds = business_time.parse_clock(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if seconds % 60:
            raise ValidationError(self.error_messages["whole_minutes"], code="whole_minutes")
        return seconds // 60

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


class MinuteOfDayField(models.PositiveSmallIntegerField):
    """Minutes since local midnight, 0..1440 (1440 = 24:00, the end of the day); HH:MM in forms."""

    description = "Time of day in minutes, 0 to 1440 (24:00)"

    def formfield(self, **kwargs):
        widget = kwargs.get("widget")
        if widget is not None and (isinstance(widget, forms.NumberInput) or issubclass_safe(widget, forms.NumberInput)):
            del kwargs["widget"]  # the admin's number box cannot show HH:MM
        return super().formfield(**{"form_class": ClockTimeFormField, **kwargs})


def issubclass_safe(value, cls) -> bool:
    return isinstance(value, type) and issubclass(value, cls)
