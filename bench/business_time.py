"""Benchmark of the business-time clock: calls per second of add_business_time and
business_time_between on a UK office calendar, next to plain datetime arithmetic measured in
the same run. No database and no Django setup needed.

    .venv/bin/python bench/business_time.py [--calls 100000] [--repeat 5] [--json PATH]

Exit status 0 when add_business_time reaches the goal (GOAL_CALLS_PER_SECOND), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sla.business_time import CalendarSpec, add_business_time, business_time_between

GOAL_CALLS_PER_SECOND = 50_000
SEED = 20250609

UK_OFFICE = CalendarSpec.weekly(
    "Europe/London",
    dict.fromkeys(range(5), "09:00-17:00"),
    holiday_country="GB",
    holiday_subdivision="ENG",
    name="UK office hours",
)
UK_OFFICE_WITH_LUNCH = CalendarSpec.weekly(
    "Europe/London",
    dict.fromkeys(range(5), "08:00-12:00, 13:00-17:30"),
    holiday_country="GB",
    holiday_subdivision="ENG",
)
ROUND_THE_CLOCK = CalendarSpec.twenty_four_seven("Europe/London")


def plain_add(calendar: CalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """The baseline: a function call doing plain datetime arithmetic."""
    return start + duration


def plain_between(calendar: CalendarSpec, start: datetime, end: datetime) -> timedelta:
    return end - start


def make_inputs(calls: int) -> tuple[list[datetime], list[timedelta], list[datetime]]:
    """Random instants over two years (any time of day, with seconds) and 4-40 business hours."""
    rng = random.Random(SEED)
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    two_years = 2 * 365 * 86_400
    starts = [origin + timedelta(seconds=rng.randrange(two_years)) for _ in range(calls)]
    durations = [timedelta(seconds=rng.randrange(4 * 3600, 40 * 3600)) for _ in range(calls)]
    ends = [start + timedelta(seconds=rng.randrange(0, 10 * 86_400)) for start in starts]
    return starts, durations, ends


def calls_per_second(
    function: Callable, calendar: CalendarSpec, firsts: Sequence, seconds: Sequence, repeat: int
) -> float:
    """Best of ``repeat`` timed passes over all inputs."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for first, second in zip(firsts, seconds, strict=True):
            function(calendar, first, second)
        best = min(best, time.perf_counter() - began)
    return len(firsts) / best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000, help="calls per timed pass (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes; the best counts (default 5)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.repeat < 1:
        parser.error("--calls and --repeat must be at least 1")

    starts, durations, ends = make_inputs(args.calls)

    # First pass on a fresh process: includes building the per-day span caches and loading holidays.
    began = time.perf_counter()
    for start, duration in zip(starts, durations, strict=True):
        add_business_time(UK_OFFICE, start, duration)
    cold = args.calls / (time.perf_counter() - began)
    for start, duration in zip(starts, durations, strict=True):
        add_business_time(UK_OFFICE_WITH_LUNCH, start, duration)

    baseline_add = calls_per_second(plain_add, UK_OFFICE, starts, durations, args.repeat)
    baseline_between = calls_per_second(plain_between, UK_OFFICE, starts, ends, args.repeat)
    rows = [
        ("add_business_time, UK office 09:00-17:00", add_business_time, UK_OFFICE, durations, baseline_add),
        ("add_business_time, with a lunch break", add_business_time, UK_OFFICE_WITH_LUNCH, durations, baseline_add),
        ("add_business_time, 24x7", add_business_time, ROUND_THE_CLOCK, durations, baseline_add),
        ("business_time_between, UK office (0-10 days)", business_time_between, UK_OFFICE, ends, baseline_between),
        ("business_time_between, 24x7", business_time_between, ROUND_THE_CLOCK, ends, baseline_between),
    ]
    results = []
    for label, function, calendar, seconds, baseline in rows:
        rate = calls_per_second(function, calendar, starts, seconds, args.repeat)
        results.append({"case": label, "calls_per_second": round(rate), "baseline_ratio": round(baseline / rate, 1)})

    office_add = results[0]["calls_per_second"]
    passed = office_add >= GOAL_CALLS_PER_SECOND
    python = platform.python_version()
    print(f"Business-time clock: {args.calls:,} calls per pass, best of {args.repeat}, Python {python}")
    print("Inputs: random instants in 2025-2026 (any time of day), durations 4-40 business hours with seconds.")
    print()
    print(f"  {'baseline: start + duration':48} {baseline_add:>12,.0f} calls/s")
    print(f"  {'baseline: end - start':48} {baseline_between:>12,.0f} calls/s")
    print(f"  {'add_business_time, first pass (cold caches)':48} {cold:>12,.0f} calls/s")
    for result in results:
        ratio = f"{result['baseline_ratio']:.1f}x slower than the baseline"
        print(f"  {result['case']:48} {result['calls_per_second']:>12,} calls/s   {ratio}")
    print()
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}: add_business_time on office hours {office_add:,} calls/s (goal {GOAL_CALLS_PER_SECOND:,}/s)")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "goal_calls_per_second": GOAL_CALLS_PER_SECOND,
            "passed": passed,
            "calls": args.calls,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "baseline_add_calls_per_second": round(baseline_add),
            "baseline_between_calls_per_second": round(baseline_between),
            "cold_add_calls_per_second": round(cold),
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
