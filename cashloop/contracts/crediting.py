"""What a credit note on a contract invoice does to the contract (decision 041).

Receivables' credit-note service checks the lines (each names a contract line the invoice
billed, no more than it billed less earlier credit notes) and posts; this module is the
contract's side, in the same transaction: it decides how much of each credited net takes
back revenue already recognised, keeps a `LineCredit` row per line, and moves the derived
balances (`ContractLine.credited` / `.recognised`, `Contract.credited` / `.recognised`)
under row locks taken contract first, then lines, by id, as billing and recognition do.

A line recognised at invoicing had its whole net credited to revenue, so the credit takes
it all back from revenue.  A deferred line (at a milestone, ratably) takes back revenue in
the proportion its recognised revenue bears to what it is still worth (net less earlier
credits), the rest comes out of 合同负债: that is exactly what recognition's cumulative
formula, run on the lowered net, says was earned so far (to the cent, which the next run
evens out).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cashloop.contracts.models import Contract, ContractLine, LineCredit
from cashloop.contracts.recognition import DEFERRED_RECOGNITIONS, revenue_account_ids
from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.models import AuditAction
from cashloop.core.money import MONEY_DECIMAL_PLACES, base_currency, quantize
from cashloop.core.verify import money_sum
from cashloop.identity.models import User
from cashloop.receivables.models import CreditNote


@dataclass(frozen=True)
class CreditPart:
    """One credit-note line's share of a contract line: its net and tax, and the account
    the invoice credited that net to (None: the chart's revenue account)."""

    contract_line_id: int
    net: Decimal
    tax: Decimal
    account_id: int | None


@dataclass(frozen=True)
class LineReversal:
    """A recorded credit and where its net is debited: `reversed` to the revenue account
    the line earns into (None: the chart's), the rest where the invoice credited it."""

    credit: LineCredit
    revenue_account_id: int | None


def credited_so_far(invoice_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """contract line id -> (net, tax) that credit notes against the invoice took back."""
    rows = (
        LineCredit.objects.filter(credit_note__invoice_id=invoice_id)
        .values("line_id")
        .annotate(net=money_sum("net"), tax=money_sum("tax"))
    )
    # SQLite hands sums back with float digits: to the stored precision again.
    exact = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
    return {
        row["line_id"]: (row["net"].quantize(exact), row["tax"].quantize(exact)) for row in rows
    }


def _revenue_part(line: ContractLine, net: Decimal) -> Decimal:
    """How much of `net` credited takes back revenue already recognised on `line`."""
    if line.recognition not in DEFERRED_RECOGNITIONS:
        return net
    worth = line.net - line.credited
    if line.recognised <= 0:
        return Decimal(0)
    if worth <= 0:
        return min(net, line.recognised)
    part = quantize(net * line.recognised / worth, line.contract.currency)
    return max(Decimal(0), min(part, net, line.recognised))


def contract_credits_record(
    *, actor: User, note: CreditNote, parts: Sequence[CreditPart]
) -> list[LineReversal]:
    """Record `note`'s credit of contract lines and move the contract's balances."""
    contract_ids = set(
        ContractLine.objects.filter(pk__in={p.contract_line_id for p in parts}).values_list(
            "contract_id", flat=True
        )
    )
    contracts = {
        c.pk: c
        for c in Contract.objects.select_for_update(of=("self",))
        .filter(pk__in=contract_ids)
        .select_related("customer", "owner", "team", "quote", "previous", "template")
        .order_by("pk")
    }
    lines = {
        line.pk: line
        for line in ContractLine.objects.select_for_update(of=("self",))
        .filter(pk__in={p.contract_line_id for p in parts})
        .select_related("product")
        .order_by("pk")
    }
    befores = {pk: audit_snapshot(contract) for pk, contract in contracts.items()}
    accounts = revenue_account_ids(lines.values())
    base = base_currency()
    result = []
    for part in parts:
        line = lines[part.contract_line_id]
        line.contract = contracts[line.contract_id]
        taken = _revenue_part(line, part.net)
        credit = LineCredit(
            credit_note=note,
            line=line,
            net=part.net,
            tax=part.tax,
            reversed=taken,
            base_reversed=taken if note.currency == base else quantize(taken * note.rate, base),
        )
        line.credited += part.net
        line.recognised -= taken
        line.contract.recognised -= taken
        # Revenue recognised at invoicing went where the invoice credited it.
        deferred = line.recognition in DEFERRED_RECOGNITIONS
        result.append(LineReversal(credit, accounts[line.pk] if deferred else part.account_id))
    LineCredit.objects.bulk_create([r.credit for r in result])
    ContractLine.objects.bulk_update(list(lines.values()), ["credited", "recognised"])
    for contract in contracts.values():
        # A contract invoice bills contract lines only, so the whole note is the contract's.
        contract.credited += note.amount
        contract.save(update_fields=["credited", "recognised", "updated_at"])
        audit_record(
            actor=actor,
            instance=contract,
            action=AuditAction.UPDATE,
            before=befores[contract.pk],
            reason=f"{note.number} {note.reason}"[:500],
        )
    return result


def migrated_invoice_credited(*, actor: User, note: CreditNote) -> None:
    """A credit note against a migrated open invoice that an installment of a contract
    became (decision 068): it names no contract line (the invoice bills none), but the
    contract's `credited` counts it, as it counts every credit note against its invoices."""
    if note.invoice_id is None:
        return
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .filter(plan__invoice_id=note.invoice_id)
        .first()
    )
    if contract is None:
        return
    before = audit_snapshot(contract)
    contract.credited += note.amount
    contract.save(update_fields=["credited", "updated_at"])
    audit_record(
        actor=actor,
        instance=contract,
        action=AuditAction.UPDATE,
        before=before,
        reason=f"{note.number} {note.reason}"[:500],
    )
