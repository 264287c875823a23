"""The windows one evaluation pass looks at, for the measures of one period kind and time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sla import forecasting as fc
from sla.periods import period_bounds, previous_periods

HISTORY_PERIODS = 3  # the expected volume of a percentage measure: the mean of up to 3 past periods


def burn_widths(windows: Sequence[fc.BurnWindow] = fc.DEFAULT_BURN_WINDOWS) -> tuple[float, ...]:
    return tuple(sorted({w.long for w in windows} | {w.short for w in windows}))


@dataclass(frozen=True)
class Windows:
    """What one pass looks at for the measures of one period kind and time zone, at `now`."""

    period: str
    time_zone: str
    now: datetime
    current: tuple[datetime, datetime]
    history: tuple[tuple[datetime, datetime], ...]  # the periods before, most recent first
    widths: tuple[float, ...]  # burn windows, as shares of the period, ending now

    @property
    def previous(self) -> tuple[datetime, datetime]:
        return self.history[0]

    @property
    def earliest(self) -> datetime:
        return self.history[-1][0]

    @property
    def elapsed(self) -> float:
        return fc.share_of_period(self.now, *self.current)

    def recent_start(self, width: float) -> datetime:
        start, end = self.current
        return self.now - (end - start) * width


def windows_for(period: str, time_zone: str, now: datetime) -> Windows:
    return Windows(
        period=period,
        time_zone=time_zone,
        now=now,
        current=period_bounds(period, now, time_zone),
        history=tuple(previous_periods(period, now, time_zone, HISTORY_PERIODS)),
        widths=burn_widths(),
    )
