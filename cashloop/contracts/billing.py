"""Billing of payment plans (强制收入): every due installment becomes one issued invoice.

`contract_invoices_generate` turns each SCHEDULED plan item of an ACTIVE contract whose due
date has come into an invoice of origin "contract", through receivables' own services
(`invoice_create_many` + `invoice_issue_many`), so numbering, posting, open items and
balances are exactly those of any invoice.  The invoice's lines are the contract's lines in
proportion to the plan item: the item's amount is split over the lines by their totals,
and each line's part into net and tax, by largest remainder; the last item of a contract
to be billed takes what is left of each line instead, so a contract's invoices sum exactly
to its lines (what the old system billed of a migrated contract counted as billed).  Lines
recognised at a milestone or over a service period are credited to deferred revenue
(合同负债); the others to their revenue account.

The same transaction keeps the derived balances: `PlanItem.invoice`/status,
`ContractLine.invoiced` (net) and, for lines recognised at invoicing, `.recognised`, and
`Contract.invoiced` (gross) and `.recognised`.  Contracts, then plan items, then lines are
locked in id order; an item billed already is skipped, so running twice bills nothing
twice.  The daily task and the API call the same function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cashloop.contracts.choices import ContractStatus, PlanItemStatus
from cashloop.contracts.errors import ContractError
from cashloop.contracts.models import Contract, ContractLine, PlanItem
from cashloop.contracts.services import BILLED_PLAN_STATUSES
from cashloop.core.audit import audit_record_many, audit_snapshot
from cashloop.core.bulk import rows_update
from cashloop.core.errors import DomainError
from cashloop.core.models import AuditAction
from cashloop.core.money import split
from cashloop.core.scoping import get_scoped, require
from cashloop.cpq.choices import Recognition
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.services import account_for_role
from cashloop.receivables.choices import DueRule, InvoiceOrigin
from cashloop.receivables.models import Invoice, InvoiceLine
from cashloop.receivables.services import (
    InstallmentIn,
    InvoiceIn,
    LineIn,
    invoice_create_many,
    invoice_issue_many,
)

# Plan items billed per transaction: large enough for the batch services to pay off, small
# enough that a long run holds its locks briefly.
BATCH = 500


@dataclass
class _Share:
    line: ContractLine
    net: Decimal
    tax: Decimal


def due_plan_items(*, user: User, on: date, contract_id: int | None = None) -> QuerySet[PlanItem]:
    """Plan items due by `on` and not billed, of active contracts the user may bill."""
    require(user, "bill", Contract)
    contracts = Contract.objects.restrict(user, "bill")
    if contract_id is not None:
        contracts = contracts.filter(pk=contract_id)
    return (
        PlanItem.objects.filter(
            status=PlanItemStatus.SCHEDULED,
            due_date__lte=on,
            contract__status=ContractStatus.ACTIVE,
            contract__in=contracts,
        )
        .select_related("contract", "contract__customer")
        .order_by("due_date", "contract_id", "sequence")
    )


def billing_actor() -> User | None:
    """Who the scheduled run bills as: the first active finance user who may bill contracts
    with scope "all" and issue invoices, else the first other active user who may.

    Receivables' services act for a user (their rights and scope count), so the daily run
    borrows finance's, and the audit trail names a real person.
    """
    users = (
        User.objects.filter(is_active=True, roles__isnull=False)
        .annotate(finance=Count("roles", filter=Q(roles__code="finance")))
        .order_by("-finance", "pk")
    )
    for user in users:
        if user.data_scope("contracts.contract", "bill") == "all" and user.data_scope(
            "receivables.invoice", "issue"
        ):
            return user
    return None


def contract_invoices_generate(
    *, actor: User, on: date, contract_id: int | None = None
) -> list[Invoice]:
    """Bill every due plan item (due date <= `on`) of active contracts the actor may bill.

    Invoices are dated `on` (not after today); each has one installment due on the plan
    item's due date (or `on`, if that is later) with the item's early-payment discount.
    Batches of `BATCH` items commit one by one, so a long run keeps what it billed.
    """
    require(actor, "bill", Contract)
    today = timezone.localdate()
    if on > today:
        raise DomainError(ContractError.BILL_FUTURE, today=today)
    if contract_id is not None:
        get_scoped(
            Contract.objects.all(),
            user=actor,
            action="bill",
            pk=contract_id,
            not_found=ContractError.NOT_FOUND,
        )
    ids = list(
        due_plan_items(user=actor, on=on, contract_id=contract_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    invoices: list[Invoice] = []
    for start in range(0, len(ids), BATCH):
        invoices += _bill(actor=actor, on=on, item_ids=ids[start : start + BATCH])
    return invoices


@transaction.atomic
def _bill(*, actor: User, on: date, item_ids: list[int]) -> list[Invoice]:
    contract_ids = sorted(
        set(PlanItem.objects.filter(pk__in=item_ids).values_list("contract_id", flat=True))
    )
    contracts = {
        c.pk: c
        for c in Contract.objects.select_for_update()
        .filter(pk__in=contract_ids, status=ContractStatus.ACTIVE)
        .order_by("pk")
    }
    # Checked again under the locks: another run may have billed some meanwhile.
    items = list(
        PlanItem.objects.select_for_update()
        .filter(pk__in=item_ids, status=PlanItemStatus.SCHEDULED, contract_id__in=contracts)
        .order_by("pk")
    )
    if not items:
        return []
    lines_of: dict[int, list[ContractLine]] = defaultdict(list)
    for line in (
        ContractLine.objects.select_for_update(of=("self",))
        .filter(contract_id__in=contracts)
        .select_related("product")
        .order_by("pk")
    ):
        lines_of[line.contract_id].append(line)
    finals = _final_items(items)
    billed = _billed_so_far({items[n].contract_id for n in finals}, contracts, lines_of)
    deferred = _deferred_account_id(lines_of)
    befores = {pk: audit_snapshot(contract) for pk, contract in contracts.items()}

    drafts: list[InvoiceIn] = []
    shares_of: list[list[_Share]] = []
    for n, item in enumerate(items):
        contract = contracts[item.contract_id]
        lines = lines_of[contract.pk]
        shares = _remainder(lines, billed) if n in finals else _proportion(item, contract, lines)
        shares = [share for share in shares if share.net or share.tax]
        for share in shares:  # an item billed later in this batch counts these too
            billed[share.line.pk][0] += share.net
            billed[share.line.pk][1] += share.tax
        shares_of.append(shares)
        drafts.append(
            InvoiceIn(
                customer_id=contract.customer_id,
                issue_date=on,
                currency=contract.currency,
                rate=contract.rate,
                origin=InvoiceOrigin.CONTRACT,
                memo=f"{contract} · {item.label or item.sequence}"[:500],
                lines=[_line_in(share, deferred) for share in shares],
                installments=[
                    InstallmentIn(
                        due_rule=DueRule.FIXED_DATE,
                        due_days=0,
                        fixed_date=max(on, item.due_date or on),
                        discount_percent=item.discount_percent,
                        discount_days=item.discount_days,
                    )
                ],
            )
        )
    invoices = invoice_create_many(actor=actor, invoices=drafts)
    issued = invoice_issue_many(actor=actor, invoice_ids=[invoice.pk for invoice in invoices])

    # The derived balances, moved by what these invoices billed.
    line_moves: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    contract_moves: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for item, invoice, shares in zip(items, issued, shares_of, strict=True):
        item.invoice, item.status = invoice, PlanItemStatus.INVOICED
        contract_moves[item.contract_id][0] += invoice.total
        for share in shares:
            earned = share.net if share.line.recognition == Recognition.AT_INVOICING else 0
            line_moves[share.line.pk][0] += share.net
            line_moves[share.line.pk][1] += earned
            contract_moves[item.contract_id][1] += earned
    rows_update(PlanItem, ["invoice", "status"], [(i.pk, i.invoice_id, i.status) for i in items])
    every_line = {line.pk: line for lines in lines_of.values() for line in lines}
    for pk, (net, earned) in line_moves.items():
        every_line[pk].invoiced += net
        every_line[pk].recognised += earned
    rows_update(
        ContractLine,
        ["invoiced", "recognised"],
        [(pk, every_line[pk].invoiced, every_line[pk].recognised) for pk in sorted(line_moves)],
    )
    now = timezone.now()
    changed = [contracts[pk] for pk in sorted(contract_moves)]
    for contract in changed:
        contract.invoiced += contract_moves[contract.pk][0]
        contract.recognised += contract_moves[contract.pk][1]
        contract.updated_at = now
    rows_update(
        Contract,
        ["invoiced", "recognised", "updated_at"],
        [(c.pk, c.invoiced, c.recognised, now) for c in changed],
    )
    audit_record_many(
        actor=actor,
        instances=changed,
        action=AuditAction.UPDATE,
        befores=[befores[c.pk] for c in changed],
    )
    return issued


def _final_items(items: list[PlanItem]) -> set[int]:
    """Positions (in `items`) of the plan items that are the last of their contract to bill.

    An item is the last when every other item of its contract is invoiced or cancelled, or
    is billed in this same batch before it; the remainder goes to that one.
    """
    contract_ids = {item.contract_id for item in items}
    open_count: dict[int, int] = defaultdict(int)
    for contract_id in (
        PlanItem.objects.filter(contract_id__in=contract_ids)
        .exclude(status__in=[*BILLED_PLAN_STATUSES, PlanItemStatus.CANCELLED])
        .values_list("contract_id", flat=True)
    ):
        open_count[contract_id] += 1
    seen: dict[int, int] = defaultdict(int)
    finals = set()
    for n, item in enumerate(items):
        seen[item.contract_id] += 1
        if seen[item.contract_id] == open_count[item.contract_id]:
            finals.add(n)
    return finals


def _billed_so_far(
    contract_ids: Iterable[int],
    contracts: dict[int, Contract],
    lines_of: dict[int, list[ContractLine]],
) -> dict[int, list[Decimal]]:
    """contract line id -> [net, tax] billed by earlier invoices (summed here, exactly).

    An installment the old system billed before migration (decision 068) counts as billed
    too, split over the lines as billing would have split it: the old system's invoices
    name no contract line, and the last installment must not bill their part again.
    """
    ids = list(contract_ids)
    billed: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = InvoiceLine.objects.filter(contract_line__contract_id__in=ids)
    for line_id, net, tax in rows.values_list("contract_line_id", "net", "tax"):
        billed[line_id][0] += net
        billed[line_id][1] += tax
    before = PlanItem.objects.filter(contract_id__in=ids, status=PlanItemStatus.BILLED_BEFORE)
    for item in before.order_by("pk"):
        contract = contracts[item.contract_id]
        for share in _proportion(item, contract, lines_of[contract.pk]):
            billed[share.line.pk][0] += share.net
            billed[share.line.pk][1] += share.tax
    return billed


def _proportion(item: PlanItem, contract: Contract, lines: list[ContractLine]) -> list[_Share]:
    """The item's amount over the lines by their totals, then each part into net and tax."""
    if not lines or not any(line.total for line in lines):
        return []
    grosses = split(item.amount, [line.total for line in lines], contract.currency)
    shares = []
    for line, gross in zip(lines, grosses, strict=True):
        if not line.total:
            continue
        net, tax = split(gross, [line.net, line.tax], contract.currency)
        shares.append(_Share(line, net, tax))
    return shares


def _remainder(lines: list[ContractLine], billed: dict[int, list[Decimal]]) -> list[_Share]:
    """What is left of each line once the contract's other invoices are counted."""
    return [
        _Share(line, line.net - billed[line.pk][0], line.tax - billed[line.pk][1]) for line in lines
    ]


def _deferred_account_id(lines_of: dict[int, list[ContractLine]]) -> int | None:
    """The deferred-revenue account, looked up once a batch and only when a line needs it."""
    if any(
        line.recognition != Recognition.AT_INVOICING
        for lines in lines_of.values()
        for line in lines
    ):
        return account_for_role(AccountRole.DEFERRED_REVENUE).pk
    return None


def _line_in(share: _Share, deferred: int | None) -> LineIn:
    line = share.line
    if line.recognition != Recognition.AT_INVOICING:
        account = deferred
    else:
        account = line.revenue_account_id or (
            line.product.revenue_account_id if line.product is not None else None
        )
    return LineIn(
        description=line.description,
        quantity=Decimal(1),
        unit_price=share.net,
        tax_rate=line.tax_rate,
        contract_line_id=line.pk,
        revenue_account_id=account,
        tax=share.tax,
    )
