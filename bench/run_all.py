"""`make bench`: run every benchmark module in bench/ (each prints its table and writes JSON)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"run_all.py", "common.py", "__init__.py"}


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in SKIP:
            continue
        print(f"== {script.stem} ==", flush=True)
        failures += subprocess.run([sys.executable, str(script)], check=False).returncode != 0  # noqa: S603
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
