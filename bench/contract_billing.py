"""contract-billing: the daily invoice generation over BENCH_PLAN_ITEMS due installments.

Subject: `contracts.billing.contract_invoices_generate` for every due plan item (contracts
of 5 lines and 5 installments of 20%, all due), which drafts, issues and posts one invoice
of 5 lines per item through receivables' batch services and keeps the contracts' derived
balances.  Baseline: the bare posting benchmark of the receivables issue
(`bench.invoice_issue.baseline_batch`: `bulk_create` of the same final rows, invoice, 5
lines, installment, entry and 3 journal lines, per invoice), run in the same process.

The due installments are consumed by a run, so each repetition bulk-creates a fresh set
(not timed), then times the subject, then the baseline for as many invoices.  Report:
invoices per second and median(subject) / median(baseline).  The issue asks for 100,000;
the default is 10,000 so that `make bench` stays short: `BENCH_PLAN_ITEMS=100000 make
bench ONLY=contract_billing` for the full size.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import statistics
import time
from datetime import date
from decimal import Decimal

from bench.harness import RESULTS, django_setup
from bench.invoice_issue import BATCH as BASE_BATCH
from bench.invoice_issue import baseline_batch

TOTAL = int(os.environ.get("BENCH_PLAN_ITEMS", "10000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
ITEMS_PER_CONTRACT = 5
LINES_PER_CONTRACT = 5
DAY = date(2026, 6, 1)


def main() -> None:
    django_setup()
    from django.db import connection

    from cashloop.contracts.billing import BATCH, contract_invoices_generate
    from cashloop.contracts.choices import ContractStatus, PlanDueRule
    from cashloop.contracts.models import Contract, ContractLine, PlanItem
    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, User

    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    customers = Customer.objects.bulk_create(
        [Customer(code=f"CB{n:04d}", name=f"客户 {n}", currency="CNY") for n in range(50)]
    )
    serial = itertools.count(1)
    numbers = itertools.count(1)
    # A line: 2 x 123.45 at 13%: net 246.90, tax 32.10; a contract of 5 lines: 1,395.00,
    # 279.00 an installment, so each invoice is the baseline's 5 lines of 279.00 / 5.
    net, tax = Decimal("246.90"), Decimal("32.10")

    def due_items(count: int) -> None:
        """`count` due plan items: active contracts of 5 lines and 5 installments of 20%."""
        contracts = Contract.objects.bulk_create(
            [
                Contract(
                    number=f"BCT-{next(numbers):08d}",
                    title="bench",
                    customer=customers[n % len(customers)],
                    status=ContractStatus.ACTIVE,
                    signing_date=DAY,
                    start_date=DAY,
                    currency="CNY",
                    subtotal=net * LINES_PER_CONTRACT,
                    tax_total=tax * LINES_PER_CONTRACT,
                    total=(net + tax) * LINES_PER_CONTRACT,
                )
                for n in range(count // ITEMS_PER_CONTRACT)
            ],
            batch_size=2000,
        )
        ContractLine.objects.bulk_create(
            [
                ContractLine(
                    contract=c,
                    position=p,
                    description=f"item {p}",
                    quantity=2,
                    unit_price=Decimal("123.45"),
                    tax_rate=Decimal("0.13"),
                    net=net,
                    tax=tax,
                    total=net + tax,
                )
                for c in contracts
                for p in range(1, LINES_PER_CONTRACT + 1)
            ],
            batch_size=5000,
        )
        PlanItem.objects.bulk_create(
            [
                PlanItem(
                    contract=c,
                    sequence=s,
                    percent=20,
                    amount=c.total / ITEMS_PER_CONTRACT,
                    due_rule=PlanDueRule.FIXED_DATE,
                    fixed_date=DAY,
                    due_date=DAY,
                )
                for c in contracts
                for s in range(1, ITEMS_PER_CONTRACT + 1)
            ],
            batch_size=5000,
        )

    def baseline(count: int) -> None:
        for start in range(0, count, BASE_BATCH):
            baseline_batch(min(BASE_BATCH, count - start), customers=customers, serial=serial)

    def timed(fn, *args):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        out = fn(*args)
        return time.perf_counter() - started, out

    # Warm-up, then subject and baseline alternately on fresh due items.
    due_items(min(TOTAL, 1000))
    contract_invoices_generate(actor=finance, on=DAY)
    baseline(min(TOTAL, 1000))
    subject_times, base_times = [], []
    for _ in range(REPEATS):
        due_items(TOTAL)
        seconds, invoices = timed(lambda: contract_invoices_generate(actor=finance, on=DAY))
        assert len(invoices) == TOTAL, len(invoices)
        subject_times.append(seconds)
        base_times.append(timed(baseline, TOTAL)[0])
    again, rerun = timed(lambda: contract_invoices_generate(actor=finance, on=DAY))
    subj, base = statistics.median(subject_times), statistics.median(base_times)
    result = {
        "name": "contract-billing",
        "database": connection.vendor,
        "size": {
            "plan_items": TOTAL,
            "batch": BATCH,
            "lines_per_invoice": LINES_PER_CONTRACT,
            "repeats": REPEATS,
        },
        "baseline": "bench.invoice_issue.baseline_batch (bulk_create of the final rows)",
        "baseline_median_s": round(base, 6),
        "subject_median_s": round(subj, 6),
        "ratio": round(subj / base, 2),
        "invoices_per_s": round(TOTAL / subj),
        "baseline_invoices_per_s": round(TOTAL / base),
        "second_run_s": round(again, 3),
        "second_run_invoices": len(rerun),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target": "report (the issue names none)",
        "machine": {"cpus": os.cpu_count()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"contract-billing-{connection.vendor}.json").write_text(
        json.dumps(result, indent=2)
    )
    print(
        f"{'contract-billing':<16} {connection.vendor:<10} baseline {base * 1000:9.2f} ms   "
        f"subject {subj * 1000:9.2f} ms   ratio {result['ratio']:>6}   "
        f"{result['invoices_per_s']} invoices/s ({TOTAL} due installments; a second run "
        f"billed {len(rerun)} in {again:.2f} s)   peak {result['peak_rss_mib']} MiB"
    )


if __name__ == "__main__":
    main()
