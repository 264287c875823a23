"""Run every benchmark in bench/ and summarise: `make bench` (DATABASE_URL picks the database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# sla.py, measurements.py and measures.py need PostgreSQL; the page benchmarks run on either.
BENCHMARKS = [
    "business_time.py",
    "catalog.py",
    "home_board.py",
    "alignment_costs.py",
    "reviews.py",
    "sla.py",
    "measurements.py",
    "measures.py",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name}", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)], check=False).returncode != 0:  # noqa: S603 - our own scripts
            failed.append(name)
    print("\nAll benchmarks PASS" if not failed else f"\nFAIL: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
