"""invoice-issue: drafting and issuing invoices through the services, in batches.

Subject: `invoice_create` + `invoice_issue` for a batch of invoices of 5 lines each (the
whole batch in one transaction), which numbers, posts Dr AR / Cr revenue + VAT through
`journal_entry_post` and keeps the balances.  Baseline: `bulk_create` of the identical
final rows (invoice, 5 lines, installment, entry, 3 journal lines).  Target (BENCHMARKS.md):
within 4x.  Size: BENCH_INVOICES invoices per batch (default 1,000).
"""

from __future__ import annotations

import itertools
import os
from datetime import date
from decimal import Decimal

from bench.harness import django_setup, measure

BATCH = int(os.environ.get("BENCH_INVOICES", "1000"))
DAY = date(2026, 6, 1)


def main() -> None:
    django_setup()
    from django.db import transaction

    from cashloop.customers.models import Customer
    from cashloop.identity.models import Role, User
    from cashloop.ledger.choices import AccountRole, PostingReason
    from cashloop.ledger.models import JournalEntry, JournalLine
    from cashloop.ledger.services import account_for_role
    from cashloop.receivables.models import Installment, Invoice, InvoiceLine
    from cashloop.receivables.services import LineIn, invoice_create, invoice_issue

    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    customers = Customer.objects.bulk_create(
        [Customer(code=f"BI{n:04d}", name=f"客户 {n}", currency="CNY") for n in range(50)]
    )
    lines = [LineIn(f"item {n}", Decimal(2), Decimal("123.45"), Decimal("0.13")) for n in range(5)]
    ar, revenue, vat = (
        account_for_role(AccountRole.AR),
        account_for_role(AccountRole.REVENUE),
        account_for_role(AccountRole.VAT_OUTPUT),
    )
    serial = itertools.count(1)

    def subject() -> None:
        with transaction.atomic():
            for n in range(BATCH):
                draft = invoice_create(
                    actor=finance,
                    customer_id=customers[n % len(customers)].pk,
                    issue_date=DAY,
                    lines=lines,
                )
                invoice_issue(actor=finance, invoice_id=draft.pk)

    def baseline() -> None:
        # The same final rows the services write, inserted in bulk with no checks.
        with transaction.atomic():
            batch = [next(serial) for _ in range(BATCH)]
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
                    JournalLine(entry=e, account=acc, currency="CNY", amount=a, base_amount=a)
                    for e in entries
                    for acc, a in (
                        (ar, Decimal("1395.00")),
                        (revenue, Decimal("-1234.50")),
                        (vat, Decimal("-160.50")),
                    )
                ]
            )

    measure(
        "invoice-issue",
        baseline=baseline,
        subject=subject,
        rows=BATCH,
        size={"invoices_per_batch": BATCH, "lines_per_invoice": 5},
        target="within 4x of bulk_create",
    )


if __name__ == "__main__":
    main()
