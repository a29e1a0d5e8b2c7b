"""Run the benchmarks and record their figures.

    python -m bench              # every bench/<name>.py that defines run()
    python -m bench renditions   # only those named

Each module exposes ``run(results_dir: Path) -> dict``; its dict is written to
``bench/results/<name>.json`` (with when it ran and how long it took) and its
``summary`` lines, if any, are printed. A failing benchmark does not stop the others;
the exit status says whether all of them passed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
RESULTS_DIR = PACKAGE_DIR / "results"


def discover() -> list[str]:
    """Names of the benchmark modules, in a stable order."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(PACKAGE_DIR)])
        if not info.name.startswith("_") and not info.ispkg
    )


def _runner(name: str) -> Callable[[Path], dict[str, Any]] | None:
    module = importlib.import_module(f"{__package__ or 'bench'}.{name}")
    run = getattr(module, "run", None)
    return run if callable(run) else None


def _write(path: Path, payload: dict[str, Any]) -> None:
    # Written beside and renamed: an interrupted run never leaves half a JSON file.
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    os.replace(temporary, path)


def _summary(result: dict[str, Any]) -> list[str]:
    lines = result.get("summary")
    if isinstance(lines, list):
        return [str(line) for line in lines]
    return [
        f"{key}: {value}" for key, value in result.items() if isinstance(value, int | float | str)
    ]


def main(argv: Sequence[str] | None = None, results_dir: Path = RESULTS_DIR) -> int:
    available = discover()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of {', '.join(available)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results_dir.mkdir(parents=True, exist_ok=True)

    failed = []
    for name in args.names or available:
        run = _runner(name)
        if run is None:
            continue  # a helper module, not a benchmark
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        try:
            result = run(results_dir)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        elapsed = time.perf_counter() - started
        payload = {
            "benchmark": name,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "elapsed_s": round(elapsed, 1),
            "results": result,
        }
        _write(results_dir / f"{name}.json", payload)
        for line in _summary(result):
            print(f"  {line}")
        print(f"  ({elapsed:.0f} s; written to {results_dir / f'{name}.json'})", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
