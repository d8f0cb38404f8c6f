"""invoice-issue: drafting and issuing invoices through the services, in batches.

Subject: `invoice_create_many` + `invoice_issue_many` for BENCH_INVOICES invoices of 5
lines each, BENCH_BATCH per transaction: they validate, number (gapless), post Dr AR /
Cr revenue + VAT through `journal_entries_post`, keep the customer balances and write the
audit rows.  Baseline: `bulk_create` of the identical final rows (invoice, 5 lines,
installment, entry, 3 journal lines) in the same batches, with no checks.

Target (BENCHMARKS.md): within 4x at 100,000 invoices; 200,000 within 2.2x of 100,000.
Both are measured: the ratio at BENCH_INVOICES, then the subject alone at twice the size
against the subject at the size ("scaling").  Defaults are small (10,000) so that `make
bench` stays short; run `BENCH_INVOICES=100000 make bench ONLY=invoice_issue` for the
target size.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from bench.harness import RESULTS, django_setup, measure

TOTAL = int(os.environ.get("BENCH_INVOICES", "10000"))
BATCH = int(os.environ.get("BENCH_BATCH", "1000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
DAY = date(2026, 6, 1)


def baseline_batch(size: int, *, customers: list[Any], serial: Iterator[int]) -> None:
    """The final rows `invoice_issue` writes for `size` invoices of 5 lines (invoice, lines,
    installment, entry, 3 journal lines), inserted in bulk with no checks: the bare posting
    baseline, also what bench.contract_billing compares with."""
    from django.db import transaction

    from cashloop.ledger.choices import AccountRole, PostingReason
    from cashloop.ledger.models import JournalEntry, JournalLine
    from cashloop.ledger.services import accounts_for_roles
    from cashloop.receivables.models import Installment, Invoice, InvoiceLine

    accounts = accounts_for_roles(AccountRole.AR, AccountRole.REVENUE, AccountRole.VAT_OUTPUT)
    with transaction.atomic():
        batch = [next(serial) for _ in range(size)]
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(
                    customer=customers[n % len(customers)],
                    number=f"BASE-{n:08d}",
                    status="issued",
                    currency="CNY",
                    issue_date=DAY,
                    subtotal=Decimal("1234.50"),
                    tax_total=Decimal("160.50"),
                    total=Decimal("1395.00"),
                    base_total=Decimal("1395.00"),
                    residual=Decimal("1395.00"),
                )
                for n in batch
            ]
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=inv,
                    position=p,
                    description="item",
                    quantity=2,
                    unit_price=Decimal("123.45"),
                    tax_rate=Decimal("0.13"),
                    net=Decimal("246.90"),
                    tax=Decimal("32.10"),
                    total=Decimal("279.00"),
                )
                for inv in invoices
                for p in range(1, 6)
            ]
        )
        Installment.objects.bulk_create(
            [
                Installment(
                    invoice=inv,
                    sequence=1,
                    due_rule="days_after",
                    due_date=DAY,
                    amount=inv.total,
                    base_amount=inv.total,
                    residual=inv.total,
                    base_residual=inv.total,
                )
                for inv in invoices
            ]
        )
        entries = JournalEntry.objects.bulk_create(
            [
                JournalEntry(
                    number=f"BJE-{n:08d}",
                    date=DAY,
                    reason=PostingReason.INVOICE_ISSUE,
                    idempotency_key=f"base:{n}",
                    payload_hash="x",
                )
                for n in batch
            ]
        )
        JournalLine.objects.bulk_create(
            [
                JournalLine(
                    entry=e, account=accounts[role], currency="CNY", amount=a, base_amount=a
                )
                for e in entries
                for role, a in (
                    (AccountRole.AR, Decimal("1395.00")),
                    (AccountRole.REVENUE, Decimal("-1234.50")),
                    (AccountRole.VAT_OUTPUT, Decimal("-160.50")),
                )
            ]
        )


def main() -> None:
    django_setup()
    from django.db import connection, transaction

    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, User
    from cashloop.receivables.models import Invoice
    from cashloop.receivables.services import (
        InvoiceIn,
        LineIn,
        invoice_create_many,
        invoice_issue_many,
    )

    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    customers = Customer.objects.bulk_create(
        [Customer(code=f"BI{n:04d}", name=f"客户 {n}", currency="CNY") for n in range(50)]
    )
    lines = [LineIn(f"item {n}", Decimal(2), Decimal("123.45"), Decimal("0.13")) for n in range(5)]
    serial = itertools.count(1)

    def subject(total: int = TOTAL) -> None:
        for start in range(0, total, BATCH):
            with transaction.atomic():
                drafts = invoice_create_many(
                    actor=finance,
                    invoices=[
                        InvoiceIn(customers[n % len(customers)].pk, DAY, lines)
                        for n in range(start, min(start + BATCH, total))
                    ],
                )
                invoice_issue_many(actor=finance, invoice_ids=[draft.pk for draft in drafts])

    def baseline() -> None:
        for start in range(0, TOTAL, BATCH):
            baseline_batch(min(BATCH, TOTAL - start), customers=customers, serial=serial)

    result = measure(
        "invoice-issue",
        baseline=baseline,
        subject=subject,
        rows=TOTAL,
        size={"invoices": TOTAL, "batch": BATCH, "lines_per_invoice": 5},
        target="within 4x of bulk_create",
        repeats=REPEATS,
    )
    # Scaling: twice the invoices should take about twice the time, whatever is posted.
    single, double = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        subject(TOTAL)
        single.append(time.perf_counter() - started)
        started = time.perf_counter()
        subject(2 * TOTAL)
        double.append(time.perf_counter() - started)
    scaling = statistics.median(double) / statistics.median(single)
    result["scaling_double_size"] = round(scaling, 2)
    result["entries_per_s"] = round(TOTAL / statistics.median(single))
    result["posted_invoices_at_end"] = Invoice.objects.filter(status="issued").count()
    (RESULTS / f"invoice-issue-{connection.vendor}.json").write_text(json.dumps(result, indent=2))
    print(
        f"{'':<16} {connection.vendor:<10} {2 * TOTAL} invoices take {scaling:.2f}x the time"
        f" of {TOTAL} ({result['entries_per_s']} entries/s)   target: within 2.2x"
    )


if __name__ == "__main__":
    main()
