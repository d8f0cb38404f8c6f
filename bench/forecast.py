"""forecast: the cash forecast's simulation against a bare numpy kernel.

Subjects: the forecast end to end ("forecast": the payment history read from the database,
the payment-behaviour model fitted, the expected receipts gathered, and the simulation
with its bands) and the simulation alone ("forecast-simulate": `forecast.simulate` on the
gathered receipts).  Baseline: a numpy-only kernel written here, on the same pre-loaded
arrays, doing the same sampling (inverse CDF of each receipt's quantiles above what is
already overdue) and summation per path and week.  Also reported: the peak memory numpy
allocated during one simulation, against the (installments x paths x weeks) cube it never
holds.

Data (fixed seed) from `cashloop.receivables.bulkseed`: BENCH_FORECAST_OPEN open
installments (default 20,000; the issue's size is 100,000) over BENCH_FORECAST_CUSTOMERS
customers (default 2,000) and three times as many paid ones, each customer paying by
habit; BENCH_FORECAST_PATHS paths (default 1,000) over 13 weeks.
"""

from __future__ import annotations

import os
import time
import tracemalloc

import numpy as np

from bench.harness import django_setup, measure

OPEN = int(os.environ.get("BENCH_FORECAST_OPEN", "20000"))
CUSTOMERS = int(os.environ.get("BENCH_FORECAST_CUSTOMERS", "2000"))
PATHS = int(os.environ.get("BENCH_FORECAST_PATHS", "1000"))
CHUNK = 2_000


def kernel(
    rows: np.ndarray,
    overdue: np.ndarray,
    due: np.ndarray,
    amount: np.ndarray,
    edges: np.ndarray,
    paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The bare sampling and summation: (paths, weeks) of amounts received."""
    levels = rows.shape[1]
    weeks = len(edges) - 1
    total = np.zeros(paths * weeks)
    offset = np.arange(paths)[None, :] * weeks
    for start in range(0, len(rows), CHUNK):
        r, o = rows[start : start + CHUNK], overdue[start : start + CHUNK]
        past = (r <= o[:, None]).sum(axis=1) / levels
        u = past[:, None] + (1 - past[:, None]) * rng.random((len(r), paths))
        pos = np.clip(u * levels - 0.5, 0, levels - 1)
        lo = pos.astype(np.int64)
        hi = np.minimum(lo + 1, levels - 1)
        i = np.arange(len(r))[:, None]
        days = np.maximum(np.rint(r[i, lo] + (pos - lo) * (r[i, hi] - r[i, lo])), o[:, None] + 1)
        week = np.searchsorted(edges, due[start : start + CHUNK, None] + days, side="right") - 1
        ok = (week >= 0) & (week < weeks)
        weights = np.broadcast_to(amount[start : start + CHUNK, None], week.shape)
        total += np.bincount((week + offset)[ok], weights=weights[ok], minlength=paths * weeks)
    return total.reshape(paths, weeks)


def main() -> None:
    django_setup()
    from django.utils import timezone

    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, Team, User
    from cashloop.receivables.bulkseed import Book
    from cashloop.treasury.behaviour import fit
    from cashloop.treasury.forecast import edges, simulate, weeks
    from cashloop.treasury.history import day_number, payment_history
    from cashloop.treasury.receipts import expected

    today = timezone.localdate()
    started = time.perf_counter()
    team = Team.objects.create(name="Bench")
    owner = User.objects.create(username="bench-owner", team=team)
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    Customer.objects.bulk_create(
        [
            Customer(code=f"F{n:06d}", name=f"客户 {n}", currency="CNY", owner=owner)
            for n in range(CUSTOMERS)
        ],
        batch_size=5000,
    )
    book = Book(
        list(Customer.objects.values_list("pk", "currency")),
        today=today,
        seed=42,
        actor_id=finance.pk,
    )
    made = book.generate(open_items=OPEN, closed_items=3 * OPEN)
    book.finish()
    size = {
        "customers": CUSTOMERS,
        "open_installments": made["open_installments"],
        "paths": PATHS,
        "weeks": 13,
        "load_s": round(time.perf_counter() - started, 1),
    }
    print(f"forecast: data {size}")

    periods = weeks(today)
    window = edges(periods)
    zero = np.zeros(len(periods))

    def end_to_end() -> None:
        model = fit(payment_history(), day_number(today))
        assert model is not None
        found = expected(model, today)
        simulate(found, periods, opening=0.0, outflow=zero, minimum=0.0, paths=PATHS)

    model = fit(payment_history(), day_number(today))
    assert model is not None
    found = expected(model, today)
    receipts = found.receipts

    def simulation() -> None:
        simulate(found, periods, opening=0.0, outflow=zero, minimum=0.0, paths=PATHS)

    def bare() -> None:
        kernel(
            receipts.rows,
            receipts.overdue,
            receipts.due,
            receipts.amount,
            window,
            PATHS,
            np.random.default_rng(0),
        )

    rows = len(receipts.amount)
    measure("forecast", baseline=bare, subject=end_to_end, rows=rows, size=size,
            target="within 2-3x; memory chunked", repeats=3)  # fmt: skip
    measure("forecast-simulate", baseline=bare, subject=simulation, rows=rows, size=size,
            target="within 2x (the simulation alone)", repeats=3)  # fmt: skip
    tracemalloc.start()
    simulation()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cube = rows * PATHS * len(periods) * 8
    print(
        f"forecast: one simulation peaked at {peak / 2**20:.0f} MiB of numpy memory; the"
        f" (installments x paths x weeks) cube would be {cube / 2**30:.1f} GiB"
    )


if __name__ == "__main__":
    main()
