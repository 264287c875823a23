"""Durations of urgency targets, as people and programs write them.

People read "4h", "30 min", "2 days"; programs send seconds or ISO 8601 durations
("PT4H", "P2D", "PT1H30M"). Pure functions, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

DAY, HOUR, MINUTE = 86400, 3600, 60

_ISO = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_CALENDAR_UNITS = re.compile(r"^P(?:\d+Y)?(?:\d+M)?")  # P1Y, P6M: before any D or T
DURATION_FORMAT_HELP = "Give a number of seconds or an ISO 8601 duration such as PT30M, PT4H or P2D."
TOO_LONG = "That is longer than a duration can be (at most 999,999,999 days); give a shorter one."


def _bounded(parse: Callable[..., timedelta]) -> Callable[..., timedelta]:
    """A duration too long for timedelta is a ValueError for people, like any other bad text."""

    @wraps(parse)
    def wrapper(value) -> timedelta:
        try:
            return parse(value)
        except OverflowError:
            raise ValueError(TOO_LONG) from None

    return wrapper


@_bounded
def duration_parse(value: object) -> timedelta:
    """Seconds (a whole number, or its text) or an ISO 8601 duration of weeks, days, hours,
    minutes and seconds. Months and years are refused: their length varies. Raises
    ValueError with a message for people."""
    if isinstance(value, bool):
        raise ValueError(DURATION_FORMAT_HELP)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(DURATION_FORMAT_HELP)
    text = value.strip().upper()
    if re.fullmatch(r"[+-]?\d+", text):
        return timedelta(seconds=int(text))
    match = _ISO.match(text)
    if match is None:
        if _CALENDAR_UNITS.match(text) and _CALENDAR_UNITS.match(text).group() != "P":
            raise ValueError("Months and years vary in length; give days instead (P30D), or weeks (P2W).")
        raise ValueError(DURATION_FORMAT_HELP)
    parts = {name: int(number or 0) for name, number in match.groupdict().items()}
    return timedelta(
        weeks=parts["weeks"],
        days=parts["days"],
        hours=parts["hours"],
        minutes=parts["minutes"],
        seconds=parts["seconds"],
    )


def duration_iso(duration: timedelta) -> str:
    """ISO 8601, shortest form: PT4H, P2D, P1DT4H30M, PT0S."""
    seconds = int(duration.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, seconds = divmod(rest, MINUTE)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = f"{sign}P{f'{days}D' if days else ''}{f'T{time}' if time else ''}"
    return text if text not in ("P", "-P") else "PT0S"


def duration_human(duration: timedelta | None) -> str:
    """'4h', '30 min', '2 days', '1h 30 min', '1 day 4h'; a dash for no duration."""
    if duration is None:
        return "–"
    seconds = int(duration.total_seconds())
    if seconds == 0:
        return "0 min"
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, seconds = divmod(rest, MINUTE)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds:
        parts.append(f"{seconds} s")
    return " ".join(parts)


_UNITS = {
    "w": 7 * DAY,
    "week": 7 * DAY,
    "weeks": 7 * DAY,
    "d": DAY,
    "day": DAY,
    "days": DAY,
    "h": HOUR,
    "hr": HOUR,
    "hrs": HOUR,
    "hour": HOUR,
    "hours": HOUR,
    "m": MINUTE,
    "min": MINUTE,
    "mins": MINUTE,
    "minute": MINUTE,
    "minutes": MINUTE,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_HUMAN_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")
_CLOCK = re.compile(r"^(?:(\d+)\s+)?(\d+):([0-5]\d)(?::([0-5]\d))?$")  # [D ]HH:MM[:SS], Django's form
HUMAN_FORMAT_HELP = "Write it like 30 min, 4h, 1h 30 min or 2 days (or PT4H)."


@_bounded
def duration_parse_text(text: str) -> timedelta:
    """What people type: '4h', '30 min', '1h 30m', '2 days', '1.5h', '04:00', 'PT4H'. A bare
    number is refused: minutes or hours? Raises ValueError with a message for people."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError(HUMAN_FORMAT_HELP)
    if cleaned.startswith("p"):
        return duration_parse(cleaned)
    clock = _CLOCK.match(cleaned)
    if clock:
        days, hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if re.fullmatch(r"\d+(?:[.,]\d+)?", cleaned):
        raise ValueError(f"Say the unit: {cleaned} min, {cleaned}h or {cleaned} days?")
    words = cleaned.replace(" and ", " ")
    parts = _HUMAN_PART.findall(words)
    if not parts or _HUMAN_PART.sub("", words).strip(" ,") != "":
        raise ValueError(HUMAN_FORMAT_HELP)
    seconds = 0.0
    for number, unit in parts:
        if unit not in _UNITS:
            raise ValueError(f"Unknown unit “{unit}”. {HUMAN_FORMAT_HELP}")
        seconds += float(number.replace(",", ".")) * _UNITS[unit]
    return timedelta(seconds=round(seconds))
