"""The benchmark protocol of BENCHMARKS.md, shared by every script in bench/.

A benchmark gives a baseline and a subject doing the same work; `measure()` runs one
warm-up of each, then alternates baseline, subject five times, and reports the medians,
the ratio median(subject) / median(baseline), rows per second and peak memory (RSS).
The figures are printed as a table and written to bench/results/<name>.json.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def django_setup() -> None:
    """Configure Django for a benchmark: DATABASE_URL if set, else a fresh SQLite file."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashloop.settings")
    os.environ.setdefault("CASHLOOP_TESTING", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    if "DATABASE_URL" not in os.environ:
        db = Path(os.environ.get("CASHLOOP_VAR_DIR", "var")) / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure(
    name: str,
    *,
    baseline: Callable[[], Any],
    subject: Callable[[], Any],
    rows: int,
    size: dict[str, Any],
    target: str = "report",
    repeats: int = 5,
) -> dict[str, Any]:
    from django.db import connection

    baseline()
    subject()
    base_times, subject_times = [], []
    for _ in range(repeats):
        base_times.append(_timed(baseline))
        subject_times.append(_timed(subject))
    base, subj = statistics.median(base_times), statistics.median(subject_times)
    result = {
        "name": name,
        "database": connection.vendor,
        "size": size,
        "baseline_median_s": round(base, 6),
        "subject_median_s": round(subj, 6),
        "ratio": round(subj / base, 2) if base else None,
        "subject_rows_per_s": round(rows / subj) if subj else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target": target,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}-{connection.vendor}.json").write_text(json.dumps(result, indent=2))
    rate = result["subject_rows_per_s"]
    print(
        f"{name:<16} {connection.vendor:<10} baseline {base * 1000:9.2f} ms   subject "
        f"{subj * 1000:9.2f} ms   ratio {result['ratio']:>6}   {rate} rows/s"
        f"   peak {result['peak_rss_mib']} MiB   target: {target}"
    )
    return result
