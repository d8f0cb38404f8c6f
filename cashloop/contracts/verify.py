"""Checks of contracts for `cashloop verify`: billed and recognised balances, plans, ties.

Each derived balance is recomputed in SQL from the rows beneath it (correlated subqueries,
no Python loop over contracts, so the checks stay one query each at 100k+ rows):
`Contract.invoiced` from its plan items' invoices, `ContractLine.invoiced` from its invoice
lines, `ContractLine.credited` from its credit-note lines (`LineCredit`),
`ContractLine.recognised` from its invoiced net (lines recognised at invoicing) and its
recognition rows less the revenue credit notes took back, `Contract.recognised` from its
lines and `Contract.credited` from the credit notes against its invoices; an active
contract's plan sums to its total; and every contract ties in the three-way reconciliation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, Q, When

from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.models import (
    Contract,
    ContractLine,
    LineCredit,
    PlanItem,
    RevenueRecognition,
)
from cashloop.contracts.reconciliation import UNISSUED, not_tying, per_contract_sum
from cashloop.core.verify import LIMIT, MONEY, CheckResult, money_exact
from cashloop.cpq.choices import Recognition
from cashloop.receivables.models import CreditNote, InvoiceLine


def contract_balances_match_their_rows() -> CheckResult:
    """Contract.invoiced / credited / recognised and each line's, from invoices, credit
    notes and recognitions."""
    issued_lines = InvoiceLine.objects.exclude(invoice__status__in=UNISSUED)
    lines = ContractLine.objects.annotate(
        billed=per_contract_sum(issued_lines, "contract_line", "net"),
        earned=per_contract_sum(RevenueRecognition.objects.all(), "line", "amount"),
        credited_net=per_contract_sum(LineCredit.objects.all(), "line", "net"),
        taken_back=per_contract_sum(LineCredit.objects.all(), "line", "reversed"),
    ).annotate(
        expected=money_exact(
            Case(
                When(
                    recognition=Recognition.AT_INVOICING,
                    then=F("billed") + F("earned") - F("taken_back"),
                ),
                default=F("earned") - F("taken_back"),
                output_field=MONEY,
            )
        )
    )
    result = CheckResult(
        "contract and line invoiced / credited / recognised = invoices, credit notes and "
        "recognitions",
        checked=Contract.objects.count() + ContractLine.objects.count(),
    )
    off_lines = lines.filter(
        ~Q(invoiced=F("billed")) | ~Q(credited=F("credited_net")) | ~Q(recognised=F("expected"))
    )
    for line in off_lines.select_related("contract").order_by("pk")[:LIMIT]:
        result.problems.append(
            f"contract {line.contract} line {line.position}: invoiced {line.invoiced} "
            f"(invoices {line.billed}), credited {line.credited} (credit notes "
            f"{line.credited_net}), recognised {line.recognised} (rows {line.expected})"
        )
    contracts = Contract.objects.annotate(
        lines_recognised=per_contract_sum(ContractLine.objects.all(), "contract", "recognised"),
        notes=per_contract_sum(CreditNote.objects.all(), "invoice__plan_item__contract", "amount"),
    )
    off = ~Q(recognised=F("lines_recognised")) | ~Q(credited=F("notes"))
    for contract in contracts.filter(off).order_by("pk")[:LIMIT]:
        result.problems.append(
            f"contract {contract}: recognised {contract.recognised} (its lines "
            f"{contract.lines_recognised}), credited {contract.credited} (credit notes "
            f"{contract.notes})"
        )
    return result


def active_plans_sum_to_totals() -> CheckResult:
    live = [ContractStatus.ACTIVE, ContractStatus.COMPLETED]
    contracts = Contract.objects.filter(status__in=live).annotate(
        planned=per_contract_sum(
            PlanItem.objects.exclude(status=PlanItemStatus.CANCELLED), "contract", "amount"
        )
    )
    result = CheckResult("active contracts' plans = their totals", checked=contracts.count())
    for contract in contracts.exclude(total=F("planned")).order_by("pk")[:LIMIT]:
        result.problems.append(
            f"contract {contract}: total {contract.total}, plan {contract.planned}"
        )
    return result


def contracts_tie() -> CheckResult:
    """The three-way reconciliation: the contract's billed balance, plan and invoices agree."""
    rows = not_tying(Contract.objects.exclude(status=ContractStatus.DRAFT))
    result = CheckResult(
        "contracts tie: contracted = invoiced + not invoiced; "
        "invoiced = collected + credited + settled otherwise + outstanding",
        checked=Contract.objects.exclude(status=ContractStatus.DRAFT).count(),
    )
    contract: Any  # annotated with the reconciliation's figures
    for contract in rows.order_by("pk")[:LIMIT]:
        result.problems.append(
            f"contract {contract} does not tie: total {contract.total}, invoiced "
            f"{contract.invoiced} (invoices {contract.invoiced_rows}), not invoiced "
            f"{contract.not_invoiced}, settled {contract.settled_all} (of which credited "
            f"{contract.credited_rows}), outstanding "
            f"{contract.outstanding}"
        )
    return result


CHECKS = [contract_balances_match_their_rows, active_plans_sum_to_totals, contracts_tie]
