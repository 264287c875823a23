"""Form fields for what an agreement promises, shared by the admin and the portal. They
parse what people type; catalog.services decides whether the values are allowed."""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from catalog.durations import duration_human, duration_parse_text


class TargetDurationField(forms.Field):
    """A business-time duration typed as people say it: 30 min, 4h, 2 days."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "E.g. 30 min, 4h, 1h 30 min, 2 days.")
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("size", 10)
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        return duration_human(value) if isinstance(value, timedelta) else value

    def to_python(self, value) -> timedelta | None:
        if isinstance(value, timedelta):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return duration_parse_text(str(value))
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error


class WarningSharesField(forms.Field):
    """Percentages of the allowed time at which to warn: "50, 75" (or a JSON list)."""

    widget = forms.TextInput

    def __init__(self, *args, encoder=None, decoder=None, **kwargs):  # what a model JSONField passes
        kwargs.setdefault("help_text", "Percentages of the allowed time, e.g. 50, 75.")
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("size", 10)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(share) for share in value)
        return value

    def to_python(self, value) -> list[int] | None:
        if isinstance(value, list):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        text = str(value).strip()
        try:
            if text.startswith("["):
                shares = json.loads(text)
            else:
                shares = [int(part.strip().rstrip("%")) for part in text.split(",") if part.strip()]
        except ValueError as error:
            raise ValidationError("Give whole percentages separated by commas, e.g. 50, 75.", code="invalid") from error
        if not isinstance(shares, list) or any(isinstance(s, bool) or not isinstance(s, int) for s in shares):
            raise ValidationError("Give whole percentages separated by commas, e.g. 50, 75.", code="invalid")
        return shares
