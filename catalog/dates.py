"""Calendar dates people may promise: how far back and ahead an agreement or a commitment may
reach. Beyond ten years nobody can be held to a date, and far-off dates (year 1, year 9999)
would only overflow the clocks that count towards them. Pure functions, no database."""

from __future__ import annotations

from datetime import date

YEARS_AHEAD = YEARS_BACK = 10


def years_from(day: date, years: int) -> date:
    """The same day `years` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)
