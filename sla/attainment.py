"""How many clocks kept their target in a period, and the share against its objective: pure.
sla.selectors.Attainment (per priority and clock kind) and the service review's rows (per
priority, every kind summed) are both these counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriorityCounts:
    """How many clocks of one priority kept their target in a period, against its objective."""

    priority: int
    met: int
    breached: int
    objective_percent: float | None

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None

    @property
    def on_track(self) -> bool | None:
        if self.percent is None or self.objective_percent is None:
            return None
        return self.percent >= self.objective_percent
