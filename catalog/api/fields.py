"""Serializer fields the API shares: durations with the bounds the domain allows, stated by the
field (and so in the schema), so that an out-of-range value is a 400 naming the field before it
becomes a timedelta (issue 15: unbounded day counts overflowed into 500s)."""

from __future__ import annotations

from datetime import timedelta

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from drf_spectacular.drainage import set_override
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField

from catalog.durations import duration_human, duration_iso, duration_parse


class BoundedManyRelatedField(ManyRelatedField):
    """A list of related objects by slug (or id), at most `max_length` of them (maxItems in the
    schema), refused as a whole before any is looked up: 100,000 slugs would otherwise be 100,000
    queries (DRF has no bound for `many=True` relations)."""

    default_error_messages = {"max_length": "Give at most {max_length} of them, not {given:,}."}

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)
        self.validators.append(MaxLengthValidator(max_length))  # never reached; for the schema

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length, given=len(data))
        return super().to_internal_value(data)


class ServiceCheckedIntegerField(serializers.IntegerField):
    """A whole number whose bounds the field states (`min_value`, `max_value`: in the schema)
    and the domain service checks, with its own message naming the value, beside the other
    problems of the same request (a whole set's are all reported at once)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MinValueValidator | MaxValueValidator)]


class DurationField(serializers.Field):
    """Seconds or an ISO 8601 duration (PT30M, PT4H, P2D, P2W) in, ISO 8601 out. Its schema is
    the use's to state (extend_schema_field on a subclass, or an override as below)."""

    def to_internal_value(self, data) -> timedelta:
        try:
            return duration_parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error

    def to_representation(self, value) -> str:
        return duration_iso(value)


class BoundedDurationField(DurationField):
    """A DurationField from `min_value` to `max_value`."""

    def __init__(self, *, min_value: timedelta, max_value: timedelta, **kwargs):
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value
        low, high = int(min_value.total_seconds()), int(max_value.total_seconds())
        span = f"from {duration_iso(min_value)} to {duration_iso(max_value)}"
        schema = {
            "oneOf": [
                {"type": "integer", "minimum": low, "maximum": high, "description": "seconds"},
                {"type": "string", "example": "PT4H", "description": f"ISO 8601 duration (weeks, days, hours), {span}"},
            ]
        }
        set_override(self, "field", schema)

    def to_internal_value(self, data) -> timedelta:
        value = super().to_internal_value(data)
        if not self.min_value <= value <= self.max_value:
            raise serializers.ValidationError(
                f"Give a duration from {self._words(self.min_value)} to {self._words(self.max_value)}."
            )
        return value

    @staticmethod
    def _words(value: timedelta) -> str:
        return duration_human(value) if value else "none"
