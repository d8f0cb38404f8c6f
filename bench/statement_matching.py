"""statement-matching: the matching engine over a bank statement against a bare SQL join.

Subject: `banking.matching.line_proposals` over every incoming line, in batches of
BENCH_MATCH_BATCH (default 500) lines read by `lines_for_matching`, as the auto-match
task reads them.  Baseline: one hand-written query joining the same lines to the open
installments on exact reference (the invoice number) and amount (the residual), fetched
whole, no framework.  Then, once (it applies matches, so it cannot be repeated on the
same lines), the auto-match service `statement_lines_auto_match` over BENCH_AUTO_LINES
of them (default 1,000), with its postings, reported as lines per second and as a ratio
to the baseline's time for as many lines.

Data (fixed seed): BENCH_OPEN_INSTALLMENTS open installments (default 20,000; the issue's
size is 200,000 on PostgreSQL) made by `cashloop.receivables.bulkseed` over one customer
per 40 of them, and BENCH_LINES incoming lines (default 10,000; the issue's: 100,000):
80% quote one invoice number as their whole reference and pay its residual, 10% quote two
invoices of one customer and pay both, 10% have no reference and carry the customer's name.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import time
from decimal import Decimal
from typing import Any

from bench.harness import RESULTS, django_setup, measure

LINES = int(os.environ.get("BENCH_LINES", "10000"))
OPEN = int(os.environ.get("BENCH_OPEN_INSTALLMENTS", "20000"))
BATCH = int(os.environ.get("BENCH_MATCH_BATCH", "500"))
AUTO_LINES = int(os.environ.get("BENCH_AUTO_LINES", "1000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))


def main() -> None:
    django_setup()
    from django.db import connection
    from django.utils import timezone

    from bench.aging import analyze
    from cashloop.banking.match_services import statement_lines_auto_match
    from cashloop.banking.matching import line_proposals, lines_for_matching
    from cashloop.banking.models import BankAccount, StatementLine
    from cashloop.banking.statement_world import BRANDS, CITIES, TRADES
    from cashloop.customers.matching import name_key
    from cashloop.customers.models import Customer, CustomerNameToken
    from cashloop.customers.services import customer_name_token_rows
    from cashloop.identity.models import Role, User
    from cashloop.ledger.choices import AccountRole
    from cashloop.ledger.models import Account
    from cashloop.receivables.bulkseed import Book
    from cashloop.receivables.models import Installment, Invoice

    today = timezone.localdate()
    rng = random.Random(11)
    started = time.perf_counter()
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    names = [f"{c}{b}{t}" for c, _ in CITIES for b, _ in BRANDS for t, _ in TRADES]
    count = max(1, OPEN // 40)
    made = []
    for n in range(count):
        name = f"{names[n % len(names)]}{n // len(names) or ''}有限公司"
        made.append(Customer(code=f"M{n:06d}", name=name, name_key=name_key(name), currency="CNY"))
    made = Customer.objects.bulk_create(made, batch_size=5000)
    CustomerNameToken.objects.bulk_create(customer_name_token_rows(made), batch_size=5000)
    book = Book([(c.pk, "CNY") for c in made], today=today, seed=42, actor_id=finance.pk)
    seeded = book.generate(open_items=OPEN, closed_items=0, advance_share=0)
    book.finish()
    bank = BankAccount.objects.create(
        name="Bench bank",
        bank="工商银行",
        account_number="6222 9999 0000",
        currency="CNY",
        ledger_account=Account.objects.get(role=AccountRole.BANK),
    )
    # A line pays an invoice's residual (bulkseed's open invoices have two installments,
    # a third of them partly paid).  Beyond one line per open invoice, invoices are quoted
    # again (the engine only proposes; the auto-match run takes lines quoting distinct ones).
    invoices = list(
        Invoice.objects.filter(residual__gt=0)
        .order_by("pk")
        .values_list("number", "customer_id", "residual")
    )
    rng.shuffle(invoices)
    names_of = {c.pk: c.name for c in made}
    by_customer: dict[int, list[tuple[str, Decimal]]] = {}
    for number, customer_id, residual in invoices:
        by_customer.setdefault(customer_id, []).append((number, residual))
    pool = itertools.cycle(invoices)
    rows: list[tuple[Decimal, str, str]] = []
    kinds = {"one": 0, "two": 0, "none": 0}
    while len(rows) < LINES:
        roll = rng.random()
        number, customer_id, residual = next(pool)
        if roll < 0.8:
            rows.append((residual, names_of[customer_id], number))
            kinds["one"] += 1
        elif roll < 0.9:
            # A second invoice of the same customer (a payer paying two at once).
            other, more = rng.choice(by_customer[customer_id])
            if other == number:
                continue
            rows.append((residual + more, "", f"{number} {other}"))
            kinds["two"] += 1
        else:
            rows.append((residual, names_of[customer_id], ""))
            kinds["none"] += 1
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                bank_account=bank,
                booking_date=today,
                amount=amount,
                currency="CNY",
                payer_name=payer,
                reference=reference,
                fingerprint=hashlib.sha256(f"bench:{n}".encode()).hexdigest(),
                sequence=n,
            )
            for n, (amount, payer, reference) in enumerate(rows)
        ],
        batch_size=5000,
    )
    analyze()
    ids = list(
        StatementLine.objects.filter(bank_account=bank).order_by("pk").values_list("pk", flat=True)
    )
    size = {
        "lines": len(ids),
        "kinds": kinds,
        "open_installments": seeded["open_installments"],
        "open_invoices": len(invoices),
        "customers": count,
        "batch": BATCH,
        "load_s": round(time.perf_counter() - started, 1),
    }
    print(f"statement-matching: data {size}")

    qn = connection.ops.quote_name
    line_t, inst_t, inv_t = (
        qn(StatementLine._meta.db_table),
        qn(Installment._meta.db_table),
        qn(Invoice._meta.db_table),
    )
    baseline_sql = (
        f"SELECT l.id, i.id FROM {line_t} l"
        f" INNER JOIN {inv_t} inv ON inv.number = l.reference AND inv.residual = l.amount"
        f" INNER JOIN {inst_t} i ON i.invoice_id = inv.id"
        " WHERE l.bank_account_id = %s AND i.residual > 0"
    )

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [bank.pk])
            assert cursor.fetchall()

    def subject() -> None:
        proposed = 0
        for start in range(0, len(ids), BATCH):
            proposed += len(line_proposals(lines_for_matching(ids[start : start + BATCH])))
        assert proposed

    result = measure(
        "statement-matching",
        baseline=baseline,
        subject=subject,
        rows=len(ids),
        size=size,
        target="within 30x overall (BENCHMARKS.md, matching)",
        repeats=REPEATS,
    )

    # The auto-match service, once, on the first AUTO_LINES lines (it applies and posts).
    auto_ids = ids[:AUTO_LINES]
    started = time.perf_counter()
    applied = suggested = 0
    for start in range(0, len(auto_ids), BATCH):
        done = statement_lines_auto_match(actor=finance, line_ids=auto_ids[start : start + BATCH])
        applied += len(done.applied)
        suggested += len(done.suggested)
    auto_s = time.perf_counter() - started
    base_for_as_many = result["baseline_median_s"] * len(auto_ids) / len(ids)
    auto: dict[str, Any] = {
        "lines": len(auto_ids),
        "seconds": round(auto_s, 3),
        "lines_per_s": round(len(auto_ids) / auto_s),
        "applied": applied,
        "suggested": suggested,
        "ratio_to_baseline_share": round(auto_s / base_for_as_many, 1),
        "runs": 1,
    }
    print(
        f"statement-matching: auto-match service on {len(auto_ids)} lines: {auto_s:.2f} s,"
        f" {auto['lines_per_s']} lines/s, applied {applied}, suggested {suggested};"
        f" ratio {auto['ratio_to_baseline_share']} to the baseline's time for as many lines"
    )
    result["auto_match"] = auto
    (RESULTS / f"statement-matching-{connection.vendor}.json").write_text(
        json.dumps(result, indent=2)
    )


if __name__ == "__main__":
    main()
