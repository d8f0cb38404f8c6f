"""matching-accuracy: how right the matching engine is on a realistic statement.

Not a speed ratio: the figures are the precision of what the engine would apply alone
(target >= 99.5%), the share of the customer payments it would apply alone (target
>= 90%), and, among the other payments, how often the right customer is its first
suggestion.  Also per kind of line: how many were auto-applied and how many wrongly.

Data (fixed seed): `cashloop.banking.statement_world` (the world of the accuracy test),
768 customers with enough invoices each (14 to 21 at 10,000 lines) issued through the
receivables services, and BENCH_ACCURACY_LINES lines (default 10,000) of every kind a
finance team sees: invoice numbers spelled many ways, several invoices, payer name or
account only, customer code, partial and over payments, bank charges, discounts, typos,
English names, and lines that are no customer payment.  The engine (`line_proposals`)
reads them in batches of 500; nothing is applied.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

from bench.harness import RESULTS, django_setup

LINES = int(os.environ.get("BENCH_ACCURACY_LINES", "10000"))
CUSTOMERS = 768  # every distinct name the world knows
BATCH = 500
PRECISION_TARGET = 0.995
AUTO_TARGET = 0.90


def main() -> None:
    django_setup()
    from django.db import connection

    from cashloop.banking.matching import line_proposals
    from cashloop.banking.models import BankAccount
    from cashloop.banking.statement_world import build, right
    from cashloop.identity.models import Role, User
    from cashloop.ledger.choices import AccountRole
    from cashloop.ledger.models import Account

    started = time.perf_counter()
    finance = User.objects.create(username="bench-finance")
    finance.roles.set(Role.objects.filter(code="finance"))
    bank = BankAccount.objects.create(
        name="Bench bank",
        bank="工商银行",
        account_number="6222 9999 0001",
        currency="CNY",
        ledger_account=Account.objects.get(role=AccountRole.BANK),
    )
    # About 1.1 invoices per line: enough invoices per customer that the world never
    # runs out of unpaid ones to quote.
    low = max(3, LINES * 11 // 10 // CUSTOMERS)
    world = build(finance, bank, customers=CUSTOMERS, lines=LINES, invoices=(low, low + low // 2))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    proposals: dict[int, list[Any]] = {}
    for start in range(0, len(world.lines), BATCH):
        proposals.update(line_proposals(world.lines[start : start + BATCH]))
    engine_s = time.perf_counter() - started

    auto = wrong = first_right = rest = 0
    kinds: Counter[str] = Counter()
    auto_by_kind: Counter[str] = Counter()
    wrong_by_kind: Counter[str] = Counter()
    for line in world.lines:
        truth = world.truth[line.pk]
        kinds[truth.kind] += 1
        found = proposals.get(line.pk, [])
        best = found[0] if found else None
        if best is not None and best.auto:
            auto += 1
            auto_by_kind[truth.kind] += 1
            if not right(best, truth):
                wrong += 1
                wrong_by_kind[truth.kind] += 1
        elif truth.customer_id is not None:
            rest += 1
            first_right += bool(best and best.customer_id == truth.customer_id)
    payments = sum(1 for t in world.truth.values() if t.customer_id is not None)
    precision = (auto - wrong) / auto if auto else 1.0
    result = {
        "name": "matching-accuracy",
        "database": connection.vendor,
        "size": {
            "lines": len(world.lines),
            "customer_payments": payments,
            "customers": CUSTOMERS,
            "invoices_per_customer": [low, low + low // 2],
            "kinds": dict(kinds),
            "load_s": round(load_s, 1),
        },
        "auto_applied": auto,
        "wrong": wrong,
        "precision": round(precision, 4),
        "auto_share_of_payments": round(auto / payments, 4) if payments else None,
        "auto_share_of_lines": round(auto / len(world.lines), 4),
        "top_suggestion_right": first_right,
        "not_auto_payments": rest,
        "top_suggestion_share": round(first_right / rest, 4) if rest else None,
        "auto_by_kind": dict(auto_by_kind),
        "wrong_by_kind": dict(wrong_by_kind),
        "engine_lines_per_s": round(len(world.lines) / engine_s),
        "target": f"precision >= {PRECISION_TARGET:.1%}, auto-applied >= {AUTO_TARGET:.0%}",
        "machine": {"cpus": os.cpu_count()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"matching-accuracy-{connection.vendor}.json").write_text(
        json.dumps(result, indent=2)
    )
    print(
        f"matching-accuracy {connection.vendor:<10} lines {len(world.lines)}, payments"
        f" {payments}: auto-applied {auto} ({result['auto_share_of_payments']:.1%} of payments),"
        f" precision {precision:.2%} ({wrong} wrong {dict(wrong_by_kind)}); right customer"
        f" first in {first_right}/{rest} of the rest ({result['top_suggestion_share']:.1%});"
        f" engine {result['engine_lines_per_s']} lines/s   target: {result['target']}"
    )
    print(f"matching-accuracy: auto by kind {dict(auto_by_kind)} of {dict(kinds)}")


if __name__ == "__main__":
    main()
