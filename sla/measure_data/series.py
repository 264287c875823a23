"""What a source returns: per group, a series of data points over a pass's windows."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sla.measure_data.windows import HISTORY_PERIODS


@dataclass(slots=True)
class Tally:
    """Data points of one window: how many, how many met the condition, their sum."""

    count: int = 0
    ok: int = 0
    total: float = 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.count + other.count, self.ok + other.ok, self.total + other.total)


@dataclass(slots=True)
class Series:
    """One series of data points over a pass's windows. Additive (ticket series are summed
    over units and priorities), except the quantiles, which only measurement series have."""

    current: Tally = field(default_factory=Tally)
    previous: Tally = field(default_factory=Tally)
    history_counts: tuple[int, ...] = ()  # per past period, most recent (the previous) first
    recent: dict[float, Tally] = field(default_factory=dict)  # this period, the last `width` of it
    first_miss: datetime | None = None  # this period: the first point not meeting the condition
    first_hit: datetime | None = None  # … and the first meeting it
    days: dict[date, Tally] = field(default_factory=dict)  # this period, by local day
    quantiles: dict[tuple[str, str], float | None] = field(default_factory=dict)  # (window, kind)

    def __add__(self, other: Series) -> Series:
        days = dict(self.days)
        for day, tally in other.days.items():
            days[day] = days.get(day, Tally()) + tally
        misses = [m for m in (self.first_miss, other.first_miss) if m is not None]
        hits = [m for m in (self.first_hit, other.first_hit) if m is not None]
        return Series(
            current=self.current + other.current,
            previous=self.previous + other.previous,
            history_counts=tuple(
                a + b for a, b in zip(_pad(self.history_counts), _pad(other.history_counts), strict=True)
            ),
            recent={
                w: self.recent.get(w, Tally()) + other.recent.get(w, Tally()) for w in {*self.recent, *other.recent}
            },
            first_miss=min(misses) if misses else None,
            first_hit=min(hits) if hits else None,
            days=days,
        )


def _pad(counts: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(counts) + (0,) * (HISTORY_PERIODS - len(counts))


EMPTY = Series()


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
