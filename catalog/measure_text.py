"""Success measures in words, as the pages, the admin and the diff show them: "at least 95%",
"at most 4 hours", "each month", "from tickets: share of P1 tickets resolved within their
target". Pure functions of a measure's values (a Measure, or anything with its attributes)."""

from __future__ import annotations

from decimal import Decimal

from catalog.durations import duration_human
from catalog.models import (
    Aggregation,
    Comparison,
    Direction,
    FeedbackMetric,
    MeasurePeriod,
    MeasureSource,
    SuccessFactor,
    TicketMetric,
)

# The fields a diff of two versions compares, in the order a reader takes them in.
MEASURE_FIELD_LABELS = {
    "name": "Name",
    "description": "What success means",
    "factor": "Success factor",
    "source": "Data from",
    "counted": "Counted as",
    "target": "Target",
    "warning_level": "At risk",
    "period": "Period",
    "valid_range": "Valid values",
    "min_points": "Fewest data points",
}
PERIOD_WORDS = {
    MeasurePeriod.WEEK: "each week",
    MeasurePeriod.MONTH: "each month",
    MeasurePeriod.QUARTER: "each quarter",
}
AGGREGATION_WORDS = {
    Aggregation.MEAN: "mean of the data points",
    Aggregation.MEDIAN: "median of the data points",
    Aggregation.P90: "90th percentile of the data points",
    Aggregation.SUM: "total of the data points",
    Aggregation.COUNT: "number of data points",
    Aggregation.LAST: "latest data point",
}
TICKET_WORDS = {
    TicketMetric.RESOLVED_IN_TIME: "share of {tickets} resolved within their target",
    TicketMetric.ENGAGE_TIME: "mean business time to engage {tickets}",
    TicketMetric.OWNER_WITHIN: "share of {tickets} with an owner within {within}",
    TicketMetric.UPDATES_KEPT: "share of update intervals kept on {tickets}",
}
FEEDBACK_WORDS = {
    FeedbackMetric.CSAT: "CSAT: share of answers of 4 or 5 out of 5",
    FeedbackMetric.NPS: "NPS: promoters minus detractors",
    FeedbackMetric.CES: "CES: mean answer to “it was easy”, 1 to 7",
}
SINGULAR_UNITS = {"hours": "hour", "days": "day", "minutes": "minute", "points": "point", "weeks": "week"}


def number_text(value: Decimal | float | int | None) -> str:
    """95, 99.5, -20: no trailing zeros, never an exponent."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def quantity_text(value: Decimal | float | int | None, unit: str) -> str:
    """95%, 4 hours, 1 hour, 12 (no unit)."""
    if value is None:
        return ""
    number = number_text(value)
    if not unit:
        return number
    if unit == "%":
        return f"{number}%"
    if Decimal(number) in (1, -1):
        unit = SINGULAR_UNITS.get(unit, unit)
    return f"{number} {unit}"


def target_text(measure) -> str:
    """What success is: "at least 95%", "at most 4 hours"."""
    word = "at most" if measure.direction == Direction.LOWER else "at least"
    return f"{word} {quantity_text(measure.target, measure.unit)}"


def warning_text(measure) -> str:
    """When the measure is at risk before it is missed: "below 97%", "above 3 hours"; "" for none."""
    if measure.warning_level is None:
        return ""
    word = "above" if measure.direction == Direction.LOWER else "below"
    return f"{word} {quantity_text(measure.warning_level, measure.unit)}"


def period_text(measure) -> str:
    return PERIOD_WORDS.get(measure.period, measure.period)


def success_text(measure) -> str:
    """'at least 95% each month'."""
    return f"{target_text(measure)} {period_text(measure)}"


def counted_text(measure) -> str:
    """How a period's value is worked out from its data, in words."""
    if measure.source == MeasureSource.TICKETS and measure.ticket_metric:
        tickets = f"P{measure.ticket_priority} tickets" if measure.ticket_priority else "tickets"
        within = duration_human(measure.ticket_within) if measure.ticket_within else "the time allowed"
        return TICKET_WORDS[measure.ticket_metric].format(tickets=tickets, within=within)
    if measure.source == MeasureSource.FEEDBACK and measure.feedback_metric:
        return FEEDBACK_WORDS[measure.feedback_metric]
    if measure.aggregation == Aggregation.PERCENT:
        if not measure.condition:
            return "share of data points meeting a condition"
        comparison = Comparison(measure.condition).label
        return f"share of data points {comparison} {number_text(measure.condition_value)}"
    return AGGREGATION_WORDS.get(measure.aggregation, measure.aggregation)


def source_text(measure) -> str:
    """Where the data comes from: "Entered by the owner", "Derived from tickets"."""
    try:
        return MeasureSource(measure.source).label
    except ValueError:
        return measure.source


def factor_text(measure) -> str:
    try:
        return SuccessFactor(measure.factor).label
    except ValueError:
        return measure.factor


def valid_range_text(measure) -> str:
    """'0 to 100', 'at least 0', 'at most 240', 'any' (entered and pushed values only)."""
    low, high = measure.valid_min, measure.valid_max
    if low is not None and high is not None:
        return f"{number_text(low)} to {number_text(high)}"
    if low is not None:
        return f"at least {number_text(low)}"
    if high is not None:
        return f"at most {number_text(high)}"
    return "any"


def measure_field_text(measure, name: str) -> str:
    """One entry of MEASURE_FIELD_LABELS as the diff shows it."""
    if name == "factor":
        return factor_text(measure)
    if name == "source":
        return source_text(measure)
    if name == "counted":
        return counted_text(measure)
    if name == "target":
        return target_text(measure)
    if name == "warning_level":
        return warning_text(measure) or "no warning"
    if name == "period":
        return period_text(measure)
    if name == "valid_range":
        derived = measure.source in (MeasureSource.TICKETS, MeasureSource.FEEDBACK)
        return "–" if derived else valid_range_text(measure)
    if name == "min_points":
        return str(measure.min_points)
    return str(getattr(measure, name) or "")


def measure_summary(measure) -> str:
    """One line for the diff: "Target: at least 95% each month; Data from: …"."""
    return "; ".join(
        f"{label}: {measure_field_text(measure, name)}"
        for name, label in MEASURE_FIELD_LABELS.items()
        if name not in ("name", "description")
    )


# What each field means, in business language: the help beside it in the portal and the admin.
MEASURE_HELP = {
    "key": "A short name that stays the same in every version, so the measure's history carries on, "
    "e.g. payslips-on-time (letters, digits and hyphens).",
    "name": "What the business calls it, e.g. “Payslips on time”.",
    "description": "Required: why this measure matters to the business, in its own words, in a sentence or "
    "two (e.g. “People pay their rent on pay day”). The scorecard shows it beside the value.",
    "factor": "The success factor it shows: engagement (IT responds), urgency (urgent work is done fast), "
    "ownership (someone owns each problem), pace (progress is reported and kept up), results (what was "
    "promised is delivered) or user experience (how people find the service).",
    "source": "Where the numbers come from: entered by the owner, sent by another system through the API, "
    "worked out from tickets, or from feedback surveys.",
    "ticket_metric": "Measures from tickets: what to work out from them.",
    "ticket_priority": "Measures from tickets: count only tickets of this priority (1 is P1). Empty: every priority.",
    "ticket_within": "“Owner within” measures: how soon a ticket must have a named owner, in plain time, e.g. 30 min.",
    "feedback_metric": "Measures from feedback: CSAT (share of answers of 4 or 5 out of 5), NPS (promoters "
    "minus detractors, -100 to 100) or CES (how easy it was, 1 to 7).",
    "aggregation": "How a period's numbers make one value: the mean, median, 90th percentile, total, number of "
    "entries, the latest one, or the percentage of entries that meet a condition. Measures from tickets and "
    "feedback set this themselves.",
    "condition": "Percentage measures: which entries count as a success, e.g. “at most” 0 hours late.",
    "condition_value": "Percentage measures: the value each entry is compared with.",
    "unit": "How the value reads: %, hours, days, points… Percentages, and measures from tickets and feedback, "
    "set this themselves.",
    "direction": "Whether a higher value is better (e.g. availability) or a lower one (e.g. time to engage). "
    "Measures from tickets and feedback set this themselves.",
    "target": "The value that counts as success over a period, e.g. 95 for 95%.",
    "warning_level": "Optional: where the measure is flagged at risk, before the target is missed. On the safe "
    "side of the target: above it when higher is better, below it when lower is better.",
    "valid_min": "Numbers entered or sent: the lowest that makes sense; anything below is refused as a mistake.",
    "valid_max": "Numbers entered or sent: the highest that makes sense; anything above is refused as a mistake.",
    "period": "What the value is measured over: each week, month or quarter, by the calendar in the service's "
    "time zone.",
    "min_points": "Below this many entries in a period, Accord says “not enough data” rather than a verdict.",
}
IMPLIED_CHOICE = "As the source implies"
# The fields' labels in forms, as the business would name them.
MEASURE_LABELS = {
    "key": "Key",
    "name": "Name",
    "description": "Why it matters to the business",
    "factor": "Success factor",
    "source": "Data from",
    "ticket_metric": "From tickets",
    "ticket_priority": "Ticket priority",
    "ticket_within": "Owner within",
    "feedback_metric": "Feedback score",
    "aggregation": "Counted as",
    "condition": "An entry succeeds when it is",
    "condition_value": "Compared with",
    "unit": "Unit",
    "direction": "Better when",
    "target": "Target",
    "warning_level": "At risk past",
    "valid_min": "Lowest valid value",
    "valid_max": "Highest valid value",
    "period": "Measured each",
    "min_points": "Fewest entries for a verdict",
}
# What an empty choice means, field by field.
EMPTY_CHOICES = {
    "factor": "Choose a factor",
    "ticket_metric": "None (not from tickets)",
    "feedback_metric": "None (not from feedback)",
    "condition": "None (not a percentage)",
}
