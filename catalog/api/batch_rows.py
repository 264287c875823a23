"""Rows of a batch request parsed at the speed of plain Python, with a serializer's own messages.

An endpoint that takes thousands of rows in one request (measurements, ticket events) spends
most of its time in DRF's field-by-field machinery: per row a dict, per field `run_validation`,
`validate_empty_values`, the validators with their lazy messages. `BatchRowParser` compiles a
flat serializer once into one check per field that accepts only what is plainly valid (a
string already trimmed, of the right length, matching the field's pattern; an int in range; a
known choice; an ISO 8601 instant with an offset) and returns exactly what the serializer would
return for it. A row with anything else (a missing required field, a number sent as a string,
text to trim, a bad value) is parsed by the serializer itself, so a bad row gets the
serializer's messages word for word, and an odd but valid row its result.

Only flat serializers are compiled: no nested serializers, `validate_<field>` methods,
`validate()` or serializer-level validators (the parser refuses those when built, rather than
skip them).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from rest_framework import ISO_8601, fields, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Slow(Exception):
    """The fast check cannot vouch for this value: let the serializer parse the row."""


_ABSENT = object()  # a field left out that the serializer would leave out too

Check = Callable[[Any], Any]


def _validator_check(field: fields.Field, validator) -> Callable[[Any], bool]:
    """A predicate for one validator of a string field: True when the value passes."""
    if type(validator) is MaxLengthValidator and not callable(validator.limit_value):
        limit = validator.limit_value
        return lambda value: len(value) <= limit
    if type(validator) is MinLengthValidator and not callable(validator.limit_value):
        limit = validator.limit_value
        return lambda value: len(value) >= limit
    if type(validator) is ProhibitNullCharactersValidator:
        return lambda value: "\x00" not in value
    if type(validator) is ProhibitSurrogateCharactersValidator:
        return lambda value: value.isascii() or _SURROGATE.search(value) is None
    if isinstance(validator, RegexValidator) and type(validator).__call__ is RegexValidator.__call__:
        # Django compiles validators' patterns lazily, behind a proxy that costs more than the match.
        regex, inverse = re.compile(validator.regex.pattern, validator.regex.flags), validator.inverse_match
        return lambda value: (regex.search(value) is None) is inverse
    context = getattr(validator, "requires_context", False)

    def passes(value) -> bool:
        try:
            validator(value, field) if context else validator(value)
        except Exception:  # the serializer will say what is wrong
            return False
        return True

    return passes


def _char_check(field: fields.CharField) -> Check:
    # The validators every CharField has (lengths, no NUL, no surrogates) checked inline: a call
    # per validator per value was most of a row's time. Any other validator as _validator_check.
    longest, shortest, no_nul, no_surrogates, passes = sys.maxsize, 0, False, False, []
    for validator in field.validators:
        if type(validator) is MaxLengthValidator and not callable(validator.limit_value):
            longest = min(longest, validator.limit_value)
        elif type(validator) is MinLengthValidator and not callable(validator.limit_value):
            shortest = max(shortest, validator.limit_value)
        elif type(validator) is ProhibitNullCharactersValidator:
            no_nul = True
        elif type(validator) is ProhibitSurrogateCharactersValidator:
            no_surrogates = True
        else:
            passes.append(_validator_check(field, validator))
    allow_blank, trim, allow_null = field.allow_blank, field.trim_whitespace, field.allow_null
    surrogate = _SURROGATE.search

    def check(value):
        if type(value) is not str:
            if value is None and allow_null:
                return None
            raise _Slow
        if value == "":
            if allow_blank:
                return ""
            raise _Slow
        if (
            (trim and value.strip() != value)
            or not shortest <= len(value) <= longest
            or (no_nul and "\x00" in value)
            or (no_surrogates and not value.isascii() and surrogate(value) is not None)
        ):
            raise _Slow
        for ok in passes:
            if not ok(value):
                raise _Slow
        return value

    return check


def _integer_check(field: fields.IntegerField) -> Check:
    low, high, allow_null = field.min_value, field.max_value, field.allow_null
    if len(field.validators) != (low is not None) + (high is not None):
        return _generic_check(field)

    def check(value):
        if type(value) is not int:
            if value is None and allow_null:
                return None
            raise _Slow
        if (low is not None and value < low) or (high is not None and value > high):
            raise _Slow
        return value

    return check


def _float_check(field: fields.FloatField) -> Check:
    low, high, allow_null = field.min_value, field.max_value, field.allow_null
    if len(field.validators) != (low is not None) + (high is not None):
        return _generic_check(field)

    def check(value):
        kind = type(value)
        if kind is float:
            number = value
        elif kind is int and -(2**53) <= value <= 2**53:
            number = float(value)
        else:
            if value is None and allow_null:
                return None
            raise _Slow
        if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
            raise _Slow
        return number

    return check


def _choice_check(field: fields.ChoiceField) -> Check:
    choices, allow_null = dict(field.choice_strings_to_values), field.allow_null
    if field.validators:
        return _generic_check(field)

    def check(value):
        if type(value) is str and value in choices:
            return choices[value]
        if value is None and allow_null:
            return None
        raise _Slow

    return check


def _datetime_check(field: fields.DateTimeField) -> Check:
    """An ISO 8601 string with an offset, as `datetime.fromisoformat` reads it (the first thing
    Django's parse_datetime tries), put in the field's time zone as DRF does. A time without an
    offset (DRF would make it aware, a subclass may refuse it) goes to the serializer."""
    formats = getattr(field, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
    if field.validators or not formats or str(formats[0]).lower() != ISO_8601:
        return _generic_check(field)
    # The zone DRF would read per value (the request's), read once: a parser lives for one request.
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return _generic_check(field)
    allow_null, parse = field.allow_null, datetime.fromisoformat

    def check(value):
        if type(value) is not str:
            if value is None and allow_null:
                return None
            raise _Slow
        try:
            parsed = parse(value)
        except ValueError:
            raise _Slow from None
        if parsed.tzinfo is None or parsed.utcoffset() is None or value.strip() != value:
            raise _Slow
        try:
            return parsed.astimezone(zone)
        except OverflowError:
            raise _Slow from None

    return check


def _parses_as(field: fields.Field, base: type, methods: tuple[str, ...]) -> bool:
    """The field's class inherits these parsing methods from `base` unchanged."""
    return all(getattr(type(field), name) is getattr(base, name) for name in methods)


def _generic_check(field: fields.Field) -> Check:
    """Any other field: its own run_validation, which is what the serializer would call; or,
    when that is DRF's and there are no validators, the to_internal_value it comes down to for
    a value that is neither null nor missing."""
    plain = not field.validators and _parses_as(field, fields.Field, ("run_validation", "validate_empty_values"))
    parse, allow_null = (field.to_internal_value if plain else field.run_validation), field.allow_null

    def check(value):
        if value is None and plain:
            if allow_null:
                return None
            raise _Slow
        try:
            return parse(value)
        except (ValidationError, DjangoValidationError, SkipField):
            raise _Slow from None

    return check


_FAST = [
    (fields.CharField, _char_check),
    (fields.IntegerField, _integer_check),
    (fields.FloatField, _float_check),
    (fields.ChoiceField, _choice_check),
    (fields.DateTimeField, _datetime_check),
]
_PARSING = ("run_validation", "to_internal_value", "validate_empty_values")


def _compile(field: fields.Field, like: type | None) -> Check:
    """The fast check of a field: by its own class when it parses as that class does, or by
    `like`, a class the caller vouches for (whatever that class's fast check accepts, the field
    accepts with the same result)."""
    for base, build in _FAST:
        if like is base or (like is None and isinstance(field, base) and _parses_as(field, base, _PARSING)):
            return build(field)
    return _generic_check(field)


class BatchRowParser:
    """`parse(row)` returns what `serializer.run_validation(row)` returns for a dict `row`, or
    raises the ValidationError it raises; rows the fast checks accept skip DRF altogether.
    `fast_as` names fields of a custom class that may be checked as one of DRF's (a number
    field that also refuses true and false: {"value": FloatField}). Build one per request: date
    and time fields read the active time zone when the parser is built."""

    def __init__(self, serializer: serializers.Serializer, *, fast_as: dict[str, type] | None = None) -> None:
        cls = type(serializer)
        if serializer.partial or cls.validate is not serializers.Serializer.validate or serializer.validators:
            raise TypeError(f"{cls.__name__} validates whole rows: BatchRowParser cannot mirror that.")
        self.serializer = serializer
        self.plan: list[tuple[str, str, bool, Check, Callable[[], Any]]] = []
        for field in serializer._writable_fields:
            if isinstance(field, serializers.BaseSerializer) or hasattr(serializer, f"validate_{field.field_name}"):
                raise TypeError(
                    f"{cls.__name__}.{field.field_name} is not a flat field: BatchRowParser cannot mirror it."
                )
            if len(field.source_attrs) != 1:
                raise TypeError(f"{cls.__name__}.{field.field_name} has a dotted source.")
            self.plan.append(
                (
                    field.field_name,
                    field.source_attrs[0],
                    field.required,
                    _compile(field, (fast_as or {}).get(field.field_name)),
                    self._default(field),
                )
            )
        # For parse: a row's own keys looked up (rows give a few of many optional fields), the
        # required ones checked at once, and only the fields with a default filled in when absent.
        self.checks = {name: (source, check) for name, source, _, check, _ in self.plan}
        self.required = frozenset(name for name, _, required, _, _ in self.plan if required)
        defaulted = {f.field_name for f in serializer._writable_fields if f.default is not empty}
        self.defaults = [(name, source, default) for name, source, _, _, default in self.plan if name in defaulted]

    @staticmethod
    def _default(field: fields.Field) -> Callable[[], Any]:
        if field.default is empty or not callable(field.default):  # (`empty` is a class: callable)
            constant = _ABSENT if field.default is empty else field.default
            return lambda: constant

        def default():
            try:
                return field.get_default()
            except SkipField:
                return _ABSENT

        return default

    def parse(self, row: dict) -> dict:
        parsed = {}
        checks = self.checks
        try:
            if not row.keys() >= self.required:
                raise _Slow
            for name, value in row.items():
                entry = checks.get(name)
                if entry is not None:
                    parsed[entry[0]] = entry[1](value)
            for name, source, default in self.defaults:
                if name not in row:
                    value = default()
                    if value is not _ABSENT:
                        parsed[source] = value
        except _Slow:
            return self.serializer.run_validation(row)
        return parsed
