"""The rules a success measure's definition follows, checked without writing: which fields
each source requires, implies and refuses, the ranges of targets and warning levels, and the
side of the target a warning level sits on. catalog.services.measures writes; forms and the
API use `measures_clean` to put each problem beside its field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from catalog.durations import duration_human
from catalog.models import (
    Aggregation,
    Comparison,
    Direction,
    FeedbackMetric,
    MeasurePeriod,
    MeasureSource,
    Priority,
    SuccessFactor,
    TicketMetric,
)

# A measure's own fields in the order people read them: the form's, the admin's and the API's.
MEASURE_FIELDS = (
    "name",
    "description",
    "factor",
    "source",
    "ticket_metric",
    "ticket_priority",
    "ticket_within",
    "feedback_metric",
    "aggregation",
    "condition",
    "condition_value",
    "unit",
    "direction",
    "target",
    "warning_level",
    "valid_min",
    "valid_max",
    "period",
    "min_points",
)
MEASURE_INPUT_FIELDS = ("key", *MEASURE_FIELDS)
DECIMAL_FIELDS = ("target", "warning_level", "valid_min", "valid_max", "condition_value")
DECIMAL_LABELS = {
    "target": "The target",
    "warning_level": "The warning level",
    "valid_min": "The lowest valid value",
    "valid_max": "The highest valid value",
    "condition_value": "The condition's value",
}
# What the model's DecimalField(max_digits=14, decimal_places=4) can hold.
LARGEST_NUMBER = Decimal("9999999999.9999")
DEFAULT_MIN_POINTS = 5
MOST_MIN_POINTS = 1_000_000
LONGEST_WITHIN = timedelta(days=365)
PERCENT_RANGE = (Decimal(0), Decimal(100))
# A select few: too many measures, without context, become output for its own sake. An
# agreement version carries at most 7; above 5 the agreement page and the form say so.
MOST_MEASURES = 7
MEASURES_WARN_ABOVE = 5
LONGEST_CONTEXT = 2000


# What each derived metric implies: aggregation, unit, direction, and the range its values
# (so its target and warning) fall in. None: unbounded on that side.
TICKET_IMPLIED: dict[str, tuple[str, str, str, tuple[Decimal | None, Decimal | None]]] = {
    TicketMetric.RESOLVED_IN_TIME: (Aggregation.PERCENT, "%", Direction.HIGHER, PERCENT_RANGE),
    TicketMetric.ENGAGE_TIME: (Aggregation.MEAN, "hours", Direction.LOWER, (Decimal(0), None)),
    TicketMetric.OWNER_WITHIN: (Aggregation.PERCENT, "%", Direction.HIGHER, PERCENT_RANGE),
    TicketMetric.UPDATES_KEPT: (Aggregation.PERCENT, "%", Direction.HIGHER, PERCENT_RANGE),
}
# NPS is the mean of each answer scored +100 (promoter), 0 (passive) or -100 (detractor);
# CES the mean answer to "the service made it easy for me", 1 (strongly disagree) to 7.
FEEDBACK_IMPLIED: dict[str, tuple[str, str, str, tuple[Decimal | None, Decimal | None]]] = {
    FeedbackMetric.CSAT: (Aggregation.PERCENT, "%", Direction.HIGHER, PERCENT_RANGE),
    FeedbackMetric.NPS: (Aggregation.MEAN, "points", Direction.HIGHER, (Decimal(-100), Decimal(100))),
    FeedbackMetric.CES: (Aggregation.MEAN, "points", Direction.HIGHER, (Decimal(1), Decimal(7))),
}


def measures_clean(measures: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """A whole set checked without writing: the normalised values and the problems, keyed
    "measures[<index>].<field>" (forms use it to put each problem beside its field)."""
    cleaned, errors = [], {}
    if len(measures) > MOST_MEASURES:
        errors["measures"] = [
            f"An agreement has at most {MOST_MEASURES} measures, not {len(measures)}: "
            "keep the select few the business will act on."
        ]
    seen: dict[str, int] = {}
    for index, given in enumerate(measures):
        if not isinstance(given, Mapping):
            errors[f"measures[{index}]"] = ["Each measure must be a set of named values."]
            cleaned.append({})
            continue
        check_measure_fields(given, allowed=MEASURE_INPUT_FIELDS)
        values, problems = measure_values_clean(given)
        key = values.get("key")
        if key in seen:
            problems["key"] = [f"The key “{key}” is given twice (also at position {seen[key] + 1})."]
        elif key is not None:
            seen[key] = index
        errors.update({f"measures[{index}].{field}": messages for field, messages in problems.items()})
        cleaned.append(values)
    return cleaned, errors


# --- Validation ------------------------------------------------------------------------


def measure_values_clean(given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The values of one measure, normalised, and the problems found (field -> messages).
    Empty values (None, "") count as not given."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    def text(field: str) -> str:
        value = given.get(field)
        if value is None:
            return ""
        if not isinstance(value, str):
            problem(field, "Give text.")
            return ""
        return value.strip()

    key = text("key")
    if not key:
        problem("key", "Give the measure a key, e.g. payslips-on-time: it names the measure in every version.")
    elif len(key) > 80 or not _is_slug(key):
        problem("key", "A key is at most 80 letters, digits, hyphens or underscores, e.g. payslips-on-time.")
    else:
        values["key"] = key

    name = text("name")
    if not name:
        problem("name", "Give the measure a name in the business's words.")
    elif len(name) > 160:
        problem("name", f"A name is at most 160 characters, not {len(name)}.")
    values["name"] = name
    # The measure's context: why it matters to the business, in its own words. A number with no
    # reason behind it is the first to be gamed or ignored.
    context = text("description")
    if not context:
        problem("description", "Say why this measure matters to the business, in its own words.")
    elif len(context) > LONGEST_CONTEXT:
        problem("description", f"The context is at most {LONGEST_CONTEXT} characters, not {len(context)}.")
    values["description"] = context

    for field, choices, message in (
        ("factor", SuccessFactor, "Choose the success factor it serves: " + _choice_words(SuccessFactor) + "."),
        ("source", MeasureSource, "Choose where its data comes from: " + _choice_words(MeasureSource) + "."),
        ("period", MeasurePeriod, "Choose the period it is measured over: a week, a month or a quarter."),
        ("direction", Direction, "Say whether higher or lower is better."),
        ("aggregation", Aggregation, "Choose how data points combine: " + _choice_words(Aggregation) + "."),
        ("condition", Comparison, "Choose a comparison: less than, at most, more than, at least or equal to."),
        ("ticket_metric", TicketMetric, "Choose what to derive from tickets: " + _choice_words(TicketMetric) + "."),
        ("feedback_metric", FeedbackMetric, "Choose the feedback score: CSAT, NPS or CES."),
    ):
        value = given.get(field)
        if value is None or value == "":
            values[field] = ""
        elif value not in choices.values:
            problem(field, message)
            values[field] = ""
        else:
            values[field] = str(value)
    if not values.get("factor") and "factor" not in errors:
        problem("factor", "Choose the success factor it serves: " + _choice_words(SuccessFactor) + ".")
    values["source"] = values.get("source") or str(MeasureSource.MANUAL)
    values["period"] = values.get("period") or str(MeasurePeriod.MONTH)

    unit = text("unit")
    if len(unit) > 40:
        problem("unit", "A unit is at most 40 characters.")
    values["unit"] = unit

    for field in DECIMAL_FIELDS:
        values[field] = _decimal(given.get(field), DECIMAL_LABELS[field], field, problem)
    if values["target"] is None and "target" not in errors:
        problem("target", "Give the target: the value that counts as success.")

    values["min_points"] = _min_points(given.get("min_points"), problem)
    values["ticket_priority"] = _ticket_priority(given.get("ticket_priority"), problem)
    values["ticket_within"] = _ticket_within(given.get("ticket_within"), problem)

    _check_source(values, errors, problem)
    _check_levels(values, errors, problem)
    return values, errors


def _check_source(values: dict[str, Any], errors: dict, problem) -> None:
    """What the source requires, implies and refuses; fills in the implied aggregation,
    unit and direction, and values["_range"] (the range the target must fall in)."""
    source = values["source"]
    implied = None
    if source == MeasureSource.TICKETS:
        metric = values["ticket_metric"]
        if not metric and "ticket_metric" not in errors:
            problem("ticket_metric", "Choose what to derive from tickets: " + _choice_words(TicketMetric) + ".")
        implied = TICKET_IMPLIED.get(metric)
        if metric == TicketMetric.OWNER_WITHIN and values["ticket_within"] is None and "ticket_within" not in errors:
            problem("ticket_within", "Say within how long a ticket must have an owner, e.g. 30 minutes.")
        if metric and metric != TicketMetric.OWNER_WITHIN and values["ticket_within"] is not None:
            problem("ticket_within", "Only “owner within” measures take a time allowed; leave it empty.")
        label = TicketMetric(metric).label.lower() if metric else ""
    else:
        for field, what in (
            ("ticket_metric", "a ticket metric"),
            ("ticket_priority", "a ticket priority"),
            ("ticket_within", "a time allowed"),
        ):
            if values[field] not in (None, ""):
                problem(field, f"Only measures derived from tickets take {what}; leave it empty.")
    if source == MeasureSource.FEEDBACK:
        metric = values["feedback_metric"]
        if not metric and "feedback_metric" not in errors:
            problem("feedback_metric", "Choose the feedback score: CSAT, NPS or CES.")
        implied = FEEDBACK_IMPLIED.get(metric)
        label = metric.upper() if metric else ""
    elif values["feedback_metric"]:
        problem("feedback_metric", "Only measures derived from feedback take a feedback score; leave it empty.")

    if source in (MeasureSource.TICKETS, MeasureSource.FEEDBACK):
        for field in ("valid_min", "valid_max"):
            if values[field] is not None:
                problem(field, "Only measures that take data points (entered or pushed) have a valid range.")
        for field in ("condition", "condition_value"):
            if values[field] not in (None, ""):
                problem(field, f"The {label or 'metric'} says which events count; leave the condition empty.")
        if implied is None:
            values["_range"] = (None, None)
            return
        aggregation, unit, direction, value_range = implied
        for field, wanted in (("aggregation", aggregation), ("unit", unit), ("direction", direction)):
            if values[field] and values[field] != wanted and field not in errors:
                problem(field, f"For {label}, the {field} is “{wanted}”: leave it empty or give that.")
            values[field] = str(wanted)
        values["_range"] = value_range
        return

    # Entered or pushed: the data points themselves.
    values["aggregation"] = values["aggregation"] or str(Aggregation.MEAN)
    values["direction"] = values["direction"] or str(Direction.HIGHER)
    low, high = values["valid_min"], values["valid_max"]
    if low is not None and high is not None and low >= high:
        problem("valid_max", f"The highest valid value must be more than the lowest ({_num(low)}).")
        low = high = None
    if values["aggregation"] == Aggregation.PERCENT:
        if not values["condition"] and "condition" not in errors:
            problem("condition", "A percentage measure says which data points count: choose a comparison.")
        if values["condition_value"] is None and "condition_value" not in errors:
            problem("condition_value", "A percentage measure says which data points count: give the value.")
        elif values["condition_value"] is not None and not _within(values["condition_value"], low, high):
            problem("condition_value", f"The condition's value must be in the valid range: {_range(low, high)}.")
        if values["unit"] and values["unit"] != "%":
            problem("unit", "A percentage measure is shown in %: leave the unit empty or give “%”.")
        values["unit"] = "%"
        values["_range"] = PERCENT_RANGE
        return
    for field in ("condition", "condition_value"):
        if values[field] not in (None, ""):
            problem(field, "Only percentage measures have a condition; leave it empty.")
    if values["aggregation"] == Aggregation.COUNT:
        values["_range"] = (Decimal(0), None)  # a count is never negative
    elif values["aggregation"] == Aggregation.SUM:
        values["_range"] = (None, None)  # a total over the period may pass any one point's range
    else:
        values["_range"] = (low, high)


def _check_levels(values: dict[str, Any], errors: dict, problem) -> None:
    """The target and warning level within their range, the warning on the safe side."""
    low, high = values.pop("_range", (None, None))
    target, warning = values["target"], values["warning_level"]
    if values["ticket_metric"] == TicketMetric.ENGAGE_TIME and target is not None and target <= 0:
        problem("target", "A time to engage of 0 hours cannot be met: give more than 0.")
        target = None
    for field, value, label in (("target", target, "The target"), ("warning_level", warning, "The warning level")):
        if value is not None and not _within(value, low, high) and field not in errors:
            problem(field, f"{label} must be {_range(low, high, values['unit'])}, not {_num(value)}.")
    if target is None or warning is None or errors.get("target") or errors.get("warning_level"):
        return
    if values["direction"] == Direction.HIGHER and warning < target:
        problem(
            "warning_level",
            f"Higher is better, so the warning level must be at or above the target ({_num(target)}): "
            "the measure is at risk before it is missed.",
        )
    elif values["direction"] == Direction.LOWER and warning > target:
        problem(
            "warning_level",
            f"Lower is better, so the warning level must be at or below the target ({_num(target)}): "
            "the measure is at risk before it is missed.",
        )


def _decimal(value: object, label: str, field: str, problem) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        number = Decimal(str(value).strip()) if isinstance(value, str | int | float | Decimal) else None
        if number is None or not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problem(field, f"{label} must be a number, e.g. 95 or 4.5.")
        return None
    if abs(number) > LARGEST_NUMBER:
        problem(field, f"{label} is too large: at most {LARGEST_NUMBER:,.0f}.")
        return None
    if number != number.quantize(Decimal("0.0001")):
        problem(field, f"{label} may have at most 4 decimals.")
        return None
    return number


def _min_points(value: object, problem) -> int:
    if value is None or value == "":
        return DEFAULT_MIN_POINTS
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MOST_MIN_POINTS:
        problem("min_points", "Give the fewest data points for a verdict as a whole number, at least 1.")
        return DEFAULT_MIN_POINTS
    return value


def _ticket_priority(value: object, problem) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or value not in Priority.values:
        problem("ticket_priority", "Give a priority from 1 (P1) to 5 (P5), or none for tickets of every priority.")
        return None
    return int(value)


def _ticket_within(value: object, problem) -> timedelta | None:
    if value is None or value == "":
        return None
    if not isinstance(value, timedelta):
        problem("ticket_within", "The time allowed must be a duration, e.g. 30 minutes.")
    elif value <= timedelta(0):
        problem("ticket_within", "The time allowed must be more than zero.")
    elif value > LONGEST_WITHIN:
        problem("ticket_within", f"The time allowed must be at most 365 days, not {duration_human(value)}.")
    elif value.microseconds:
        problem("ticket_within", "The time allowed must be in whole seconds.")
    else:
        return value
    return None


# --- Helpers ---------------------------------------------------------------------------


def measures_count_warning(count: int) -> str:
    """What the agreement page and the form say about a version's number of measures ("" when
    it is a select few)."""
    if count > MOST_MEASURES:
        return f"{count} measures: an agreement carries at most {MOST_MEASURES}. Remove {count - MOST_MEASURES}."
    if count > MEASURES_WARN_ABOVE:
        return (
            f"{count} measures: more than {MEASURES_WARN_ABOVE} is a lot to act on. "
            f"Keep the select few that say whether the business is served (at most {MOST_MEASURES})."
        )
    return ""


def check_measure_fields(given: Mapping[str, Any], allowed: Sequence[str] = MEASURE_FIELDS) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")


def _is_slug(text: str) -> bool:
    try:
        validate_slug(text)
    except ValidationError:
        return False
    return True


def _choice_words(choices) -> str:
    labels = [str(label).lower() for label in choices.labels]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _range(low: Decimal | None, high: Decimal | None, unit: str = "") -> str:
    suffix = "%" if unit == "%" else ""
    if low is not None and high is not None:
        return f"between {_num(low)}{suffix} and {_num(high)}{suffix}"
    if low is not None:
        return f"at least {_num(low)}{suffix}"
    return f"at most {_num(high)}{suffix}"
