"""How right the engine is on a realistic month: precision of what it would apply alone,
the share it would apply, and how often the right customer is its first suggestion."""

import time
from collections import Counter

from cashloop.banking.matching import line_proposals
from cashloop.banking.statement_world import build, right
from cashloop.banking.tests.match_fixtures import bank_account

PRECISION_TARGET, AUTO_TARGET, FIRST_TARGET = 0.995, 0.90, 0.90


def test_precision_and_share_on_a_thousand_lines(company, capsys):
    world = build(company.finance, bank_account(), customers=260, lines=1000)
    proposals = {}
    started = time.perf_counter()
    for start in range(0, len(world.lines), 500):
        proposals.update(line_proposals(world.lines[start : start + 500]))
    seconds = time.perf_counter() - started
    auto = wrong = first_right = rest = 0
    misses: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for line in world.lines:
        truth = world.truth[line.pk]
        found = proposals.get(line.pk, [])
        best = found[0] if found else None
        if best is not None and best.auto:
            auto += 1
            by_kind[truth.kind] += 1
            if not right(best, truth):
                wrong += 1
                misses[truth.kind] += 1
                print("MISS", line.amount, line.payer_name, line.reference, truth, best)
        elif truth.customer_id is not None:
            rest += 1
            first_right += bool(best and best.customer_id == truth.customer_id)
    payments = sum(1 for t in world.truth.values() if t.customer_id is not None)
    precision = (auto - wrong) / auto if auto else 1.0
    with capsys.disabled():
        print(
            f"\nlines {len(world.lines)}, customer payments {payments}; auto-applied {auto} "
            f"({auto / len(world.lines):.1%} of lines, {auto / payments:.1%} of payments), "
            f"precision {precision:.2%}, wrong {dict(misses)}; of the rest the right "
            f"customer first in {first_right}/{rest} ({first_right / max(rest, 1):.1%}); "
            f"auto by kind {dict(by_kind)}; engine {len(world.lines) / seconds:.0f} lines/s"
        )
    assert precision >= PRECISION_TARGET
    assert auto / payments >= AUTO_TARGET
    assert first_right / max(rest, 1) >= FIRST_TARGET
