"""Run every benchmark in bench/ and summarise: `make bench` (DATABASE_URL picks the database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["business_time.py", "catalog.py", "sla.py", "measurements.py", "measures.py"]  # the last 3: PostgreSQL


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
