"""Writes of receivables: draft and issue invoices, receive payments, allocate (核销).

Every service that moves money posts through `ledger.services.journal_entry_post` in its
own transaction and updates the stored residuals and customer balances beside it.  Rows
are locked in one order everywhere (payments, then installments, then balances, each by
id) so that concurrent allocations queue instead of deadlocking.

Prices on invoice lines are net of VAT; each line's net and tax are rounded to the
currency's minor unit, and the invoice's totals are the sums of its lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from cashloop.approvals.choices import ActionKind, RequestStatus
from cashloop.approvals.models import ApprovalFlow, ApprovalRequest
from cashloop.approvals.services import approval_request_submit
from cashloop.collections.models import DunningCharge
from cashloop.contracts.crediting import (
    CreditPart,
    contract_credits_record,
    credited_so_far,
    migrated_invoice_credited,
)
from cashloop.core.audit import audit_record, audit_record_many, audit_snapshot
from cashloop.core.bulk import rows_update
from cashloop.core.bulkload import ids_reserve, insert_many
from cashloop.core.countries import country_check
from cashloop.core.dates import month_end
from cashloop.core.errors import CoreError, DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, quantize, split, to_decimal
from cashloop.core.scoping import get_scoped, require
from cashloop.core.sequences import sequence_next, sequence_next_many
from cashloop.credit.services import credit_check_sale
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.customfields.selectors import fields_for
from cashloop.customfields.services import custom_values_validate
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.models import Account
from cashloop.ledger.services import (
    Posting,
    PostingLine,
    accounts_for_roles,
    journal_entries_post,
    journal_entry_post,
    journal_entry_reversal_post,
)
from cashloop.receivables.choices import (
    DueRule,
    HeldPostingKind,
    HoldStatus,
    InvoiceOrigin,
    InvoiceStatus,
    OpenItemKind,
    PaymentMethod,
    WriteOffKind,
)
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import (
    Allocation,
    CreditNote,
    CustomerBalance,
    HeldPosting,
    Installment,
    Invoice,
    InvoiceLine,
    InvoicingProfile,
    Payment,
    Refund,
)
from cashloop.webhooks.services import webhook_emit

# VAT rates of the PRC: general 13/9/6, small-scale 3 and 1, simplified 5, zero-rated 0.
TAX_RATES = frozenset(Decimal(r) for r in ("0", "0.01", "0.03", "0.05", "0.06", "0.09", "0.13"))
INVOICE_SERIES = "INV"
PAYMENT_SERIES = "RCV"
CREDIT_NOTE_SERIES = "CN"
# Document types of the approval registry (see receivables.approval_types).
WRITE_OFF_TYPE = "receivables.writeoff"
CREDIT_NOTE_TYPE = "receivables.creditnote"
NON_CONTRACT_TYPE = "receivables.noncontract"
INVOICE_TYPE = "receivables.invoice"
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class LineIn:
    """A line as typed, or as a contract bills it.

    `contract_line_id` names the contract line a contract's invoice bills a share of (or a
    credit note on such an invoice credits), and `revenue_account_id` the account its net
    is credited to (debited, on a credit note; None: the revenue account).
    `tax` fixes the line's tax when the caller split a contract line's tax to the cent
    (largest remainder over its invoices); otherwise it is computed from the net.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount_percent: Decimal = Decimal(0)
    contract_line_id: int | None = None
    revenue_account_id: int | None = None
    tax: Decimal | None = None


@dataclass(frozen=True)
class InstallmentIn:
    """A due date by rule; `share` weighs the installment's part of the total."""

    share: Decimal = Decimal(1)
    due_rule: DueRule = DueRule.DAYS_AFTER
    due_days: int = 30
    fixed_date: date | None = None
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0


@dataclass(frozen=True)
class InvoiceIn:
    """A draft to create: what `invoice_create` takes, for creating many at once."""

    customer_id: int
    issue_date: date
    lines: Sequence[LineIn]
    installments: Sequence[InstallmentIn] | None = None
    currency: str | None = None
    rate: Decimal | None = None
    memo: str = ""
    custom: Mapping[str, Any] | None = None
    origin: InvoiceOrigin = InvoiceOrigin.NON_CONTRACT


def _exact(amount: Decimal | int | str, currency: str) -> Decimal:
    """An amount the user typed: refused if it has more decimals than the currency."""
    value = to_decimal(amount)
    if value != quantize(value, currency):
        raise DomainError(ReceivableError.TOO_MANY_DECIMALS, amount=value, currency=currency)
    return value


def _rate(currency: str, rate: Decimal | None) -> Decimal:
    base = base_currency()
    if currency == base:
        return Decimal(1)
    if rate is None or to_decimal(rate) <= 0:
        raise DomainError(ReceivableError.RATE_REQUIRED, base=base)
    return to_decimal(rate)


def _line_amounts(line: LineIn, currency: str, n: int) -> InvoiceLine:
    quantity, price = to_decimal(line.quantity), _exact(line.unit_price, currency)
    discount, rate = to_decimal(line.discount_percent), to_decimal(line.tax_rate)
    if not line.description.strip():
        raise DomainError(ReceivableError.BAD_LINE, line=n, reason="description")
    if quantity <= 0 or price < 0 or quantity != quantity.quantize(Decimal("0.0001")):
        raise DomainError(ReceivableError.BAD_LINE, line=n, reason="quantity/price")
    if not 0 <= discount < 100:
        raise DomainError(ReceivableError.BAD_LINE, line=n, reason="discount %")
    if rate not in TAX_RATES:
        raise DomainError(ReceivableError.TAX_RATE, rate=rate)
    net = quantize(quantity * price * (100 - discount) / 100, currency)
    tax = quantize(net * rate, currency) if line.tax is None else _exact(line.tax, currency)
    return InvoiceLine(
        position=n,
        description=line.description.strip()[:300],
        quantity=quantity,
        unit_price=price,
        discount_percent=discount,
        tax_rate=rate,
        net=net,
        tax=tax,
        total=net + tax,
        contract_line_id=line.contract_line_id,
        revenue_account_id=line.revenue_account_id,
    )


def _due_date(spec: InstallmentIn, issue_date: date, n: int) -> date:
    if spec.due_rule == DueRule.DAYS_AFTER:
        return issue_date + timedelta(days=spec.due_days)
    if spec.due_rule == DueRule.END_OF_MONTH:
        return month_end(issue_date) + timedelta(days=spec.due_days)
    if spec.fixed_date is None or spec.fixed_date < issue_date:
        raise DomainError(ReceivableError.DUE_RULE, n=n, reason="fixed date before invoice date")
    return spec.fixed_date


def _fill(
    invoice: Invoice, lines: Sequence[LineIn], installments: Sequence[InstallmentIn]
) -> tuple[list[InvoiceLine], list[Installment]]:
    """Compute lines, totals and installment amounts of a draft (nothing saved)."""
    if not lines:
        raise DomainError(ReceivableError.NO_LINES)
    built = [_line_amounts(line, invoice.currency, n) for n, line in enumerate(lines, 1)]
    invoice.subtotal = sum((line.net for line in built), Decimal(0))
    invoice.tax_total = sum((line.tax for line in built), Decimal(0))
    invoice.total = invoice.subtotal + invoice.tax_total
    if invoice.total <= 0:
        raise DomainError(ReceivableError.TOTAL_NOT_POSITIVE)
    invoice.base_total = quantize(invoice.total * invoice.rate, base_currency())
    invoice.residual = invoice.total
    shares = [to_decimal(spec.share) for spec in installments]
    if not shares or any(share <= 0 for share in shares):
        raise DomainError(ReceivableError.INSTALLMENTS_SUM)
    amounts = split(invoice.total, shares, invoice.currency)
    bases = split(invoice.base_total, amounts, base_currency())
    if any(amount <= 0 for amount in amounts):
        raise DomainError(ReceivableError.INSTALLMENTS_SUM)
    for n, spec in enumerate(installments, 1):
        if not 0 <= to_decimal(spec.discount_percent) < 100 or spec.discount_days < 0:
            raise DomainError(ReceivableError.DUE_RULE, n=n, reason="discount")
    schedule = [
        Installment(
            sequence=n,
            due_rule=spec.due_rule,
            due_days=spec.due_days,
            due_date=_due_date(spec, invoice.issue_date, n),
            share=share,
            amount=amount,
            base_amount=base,
            residual=amount,
            base_residual=base,
            discount_percent=to_decimal(spec.discount_percent),
            discount_days=spec.discount_days if spec.discount_percent else 0,
            discount_amount=quantize(
                amount * to_decimal(spec.discount_percent) / 100, invoice.currency
            ),
            discount_until=(
                invoice.issue_date + timedelta(days=spec.discount_days)
                if spec.discount_percent
                else None
            ),
        )
        for n, (spec, share, amount, base) in enumerate(
            zip(installments, shares, amounts, bases, strict=True), 1
        )
    ]
    return built, schedule


def _save_children(invoice: Invoice, lines: list[InvoiceLine], schedule: list[Installment]) -> None:
    invoice.lines.all().delete()
    invoice.installments.all().delete()
    for line in lines:
        line.invoice = invoice
    for installment in schedule:
        installment.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    Installment.objects.bulk_create(schedule)


def _origin_check(origin: InvoiceOrigin, lines: Sequence[LineIn]) -> None:
    """Contract lines are billed by contract invoices only, and those bill nothing else."""
    for n, line in enumerate(lines, 1):
        if (line.contract_line_id is None) == (origin == InvoiceOrigin.CONTRACT):
            raise DomainError(ReceivableError.ORIGIN, line=n)


def _customer(actor: User, customer_id: int) -> Customer:
    return get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )


def _in_batch(position: int, size: int, error: DomainError) -> DomainError:
    """Say which document of a batch was refused (the 1st, 2nd ...); alone, say nothing."""
    if size > 1:
        error.details = {**error.details, "position": position}
    return error


def invoice_create(
    *,
    actor: User,
    customer_id: int,
    issue_date: date,
    lines: Sequence[LineIn],
    installments: Sequence[InstallmentIn] | None = None,
    currency: str | None = None,
    rate: Decimal | None = None,
    memo: str = "",
    custom: Mapping[str, Any] | None = None,
) -> Invoice:
    """Create a draft invoice; without installments, one due after the customer's terms."""
    draft = InvoiceIn(customer_id, issue_date, lines, installments, currency, rate, memo, custom)
    return invoice_create_many(actor=actor, invoices=[draft])[0]


@transaction.atomic
def invoice_create_many(*, actor: User, invoices: Sequence[InvoiceIn]) -> list[Invoice]:
    """Create drafts in one transaction and a few statements; any refusal refuses all.

    A refusal's details carry the `position` (from 1) of the draft refused.
    """
    require(actor, "add", Invoice)
    built = _build(actor, invoices)
    _insert_built(built)
    created = [invoice for invoice, _lines, _schedule in built]
    audit_record_many(actor=actor, instances=created, action=AuditAction.CREATE)
    return created


_Built = tuple[Invoice, list[InvoiceLine], list[Installment]]


def _build(actor: User, invoices: Sequence[InvoiceIn]) -> list[_Built]:
    """Each draft as the invoice, lines and installments it makes (nothing saved)."""
    customers = Customer.objects.restrict(actor, "view").in_bulk(
        {draft.customer_id for draft in invoices}
    )
    built: list[_Built] = []
    custom_fields = fields_for(INVOICE_TYPE, include_retired=True)
    for position, draft in enumerate(invoices, 1):
        try:
            customer = customers.get(draft.customer_id)
            if customer is None:
                raise DomainError(CustomerError.NOT_FOUND)
            code = currency_check(draft.currency or customer.currency)
            invoice = Invoice(
                customer=customer,
                origin=draft.origin,
                currency=code,
                rate=_rate(code, draft.rate),
                issue_date=draft.issue_date,
                memo=draft.memo,
                created_by=actor,
                custom=custom_values_validate(
                    actor=actor, object_type=INVOICE_TYPE, values=draft.custom, fields=custom_fields
                ),
            )
            schedule_in = draft.installments or [
                InstallmentIn(due_days=customer.payment_terms_days)
            ]
            _origin_check(draft.origin, draft.lines)
            lines, schedule = _fill(invoice, draft.lines, schedule_in)
            full_clean_or_raise(invoice, exclude=("customer", "created_by"))
        except DomainError as error:
            raise _in_batch(position, len(invoices), error) from None
        built.append((invoice, lines, schedule))
    return built


def _insert_built(built: Sequence[_Built]) -> None:
    insert_many([invoice for invoice, _lines, _schedule in built])
    for invoice, lines, schedule in built:
        for line in lines:
            line.invoice = invoice
        for installment in schedule:
            installment.invoice = invoice
    insert_many([line for _invoice, lines, _s in built for line in lines])
    insert_many([inst for _invoice, _lines, sched in built for inst in sched])


@transaction.atomic
def invoice_open_many(*, actor: User, invoices: Sequence[InvoiceIn]) -> list[Invoice]:
    """Bring over open invoices of another system (a migration's opening balances): each is
    created issued at once, as `invoice_create_many` then `invoice_issue_many` would leave
    it, with its own entry, but in one pass over the rows (decision 070).

    Only invoices of origin `opening` come this way: they are not sales made now, so
    neither credit control nor a sale's approval applies, and no `invoice.issued` webhook
    is sent (the subscriber's books had them before Cashloop did).
    """
    require(actor, "add", Invoice)
    require(actor, "issue", Invoice)
    for position, draft in enumerate(invoices, 1):
        if draft.origin != InvoiceOrigin.OPENING:
            raise _in_batch(position, len(invoices), DomainError(ReceivableError.NOT_OPENING))
    built = _build(actor, invoices)
    opened = [invoice for invoice, _lines, _schedule in built]
    # The entries name their invoice, so the invoices' ids come first.
    for invoice, new_id in zip(opened, ids_reserve(Invoice, len(opened)), strict=True):
        invoice.pk = new_id
    accounts = Account.objects.in_bulk(
        {line.revenue_account_id for _i, lines, _s in built for line in lines} - {None}
    )
    for invoice, lines, _schedule in built:
        for line in lines:
            line.invoice = invoice
            if line.revenue_account_id is not None:
                line.revenue_account = accounts[line.revenue_account_id]
    _issue_post(actor, opened, _revenue_credits(line for _i, ls, _s in built for line in ls))
    _insert_built(built)
    _owed_add(opened)
    audit_record_many(actor=actor, instances=opened, action=AuditAction.CREATE)
    return opened


def _invoice_locked(actor: User, invoice_id: int, action: str) -> Invoice:
    return get_scoped(
        Invoice.objects.select_related("customer"),
        user=actor,
        action=action,
        pk=invoice_id,
        lock=True,
        not_found=ReceivableError.INVOICE_NOT_FOUND,
    )


@transaction.atomic
def invoice_update(
    *,
    actor: User,
    invoice_id: int,
    issue_date: date | None = None,
    lines: Sequence[LineIn] | None = None,
    installments: Sequence[InstallmentIn] | None = None,
    rate: Decimal | None = None,
    memo: str | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Invoice:
    """Change a draft; what is given replaces what was there (lines and installments whole)."""
    invoice = _invoice_locked(actor, invoice_id, "change")
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(ReceivableError.NOT_DRAFT)
    _sale_not_pending(invoice)
    before = audit_snapshot(invoice)
    # The schedule is read against the date it was made for, then moved with the invoice.
    current_schedule = installments or [
        InstallmentIn(
            share=inst.share,
            due_rule=DueRule(inst.due_rule),
            due_days=inst.due_days,
            fixed_date=inst.due_date if inst.due_rule == DueRule.FIXED_DATE else None,
            discount_percent=inst.discount_percent,
            discount_days=inst.discount_days,
        )
        for inst in invoice.installments.all()
    ]
    if issue_date is not None:
        invoice.issue_date = issue_date
    if rate is not None:
        invoice.rate = _rate(invoice.currency, rate)
    if memo is not None:
        invoice.memo = memo
    if custom is not None:
        invoice.custom = custom_values_validate(
            actor=actor, object_type=INVOICE_TYPE, values=custom, current=invoice.custom
        )
    current_lines = lines or [
        LineIn(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.discount_percent,
            contract_line_id=line.contract_line_id,
            revenue_account_id=line.revenue_account_id,
            tax=line.tax if line.contract_line_id else None,
        )
        for line in invoice.lines.all()
    ]
    built, schedule = _fill(invoice, current_lines, current_schedule)
    full_clean_or_raise(invoice)
    invoice.save()
    _save_children(invoice, built, schedule)
    audit_record(actor=actor, instance=invoice, action=AuditAction.UPDATE, before=before)
    return invoice


@transaction.atomic
def invoice_cancel(*, actor: User, invoice_id: int) -> Invoice:
    """Cancel a draft that will not be issued; it keeps no number and posted nothing.

    An issued invoice is never cancelled: a credit note corrects it.
    """
    invoice = _invoice_locked(actor, invoice_id, "change")
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(ReceivableError.NOT_DRAFT)
    _sale_not_pending(invoice)
    before = audit_snapshot(invoice)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, instance=invoice, action=AuditAction.UPDATE, before=before)
    return invoice


def _flows_exist(document_type: str) -> bool:
    return ApprovalFlow.objects.filter(document_type=document_type, is_active=True).exists()


def _revenue_credits(lines: Iterable[InvoiceLine]) -> dict[int, dict[Account, Decimal]]:
    """invoice id -> {account: net} of the lines that name their revenue account (with
    the account loaded)."""
    found: dict[int, dict[Account, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        if line.revenue_account is not None:
            found[line.invoice_id][line.revenue_account] += line.net
    return found


FEW_BALANCES = 8


def _balance_add(
    *,
    customer_id: int,
    currency: str,
    receivable: Decimal = Decimal(0),
    advance: Decimal = Decimal(0),
) -> None:
    _balances_add({(customer_id, currency): (receivable, advance)})


def _balances_add(changes: dict[tuple[int, str], tuple[Decimal, Decimal]]) -> None:
    """Add (receivable, advance) to each (customer, currency) balance, in key order.

    A few balances are each one `UPDATE … SET x = x + …`; many (a batch over hundreds of
    customers: a migration, a billing run) are locked in key order, summed here and
    written in one statement per chunk, not one per customer.
    """
    keys = sorted(changes)
    CustomerBalance.objects.bulk_create(
        [CustomerBalance(customer_id=customer, currency=currency) for customer, currency in keys],
        ignore_conflicts=True,
    )
    if len(keys) <= FEW_BALANCES:
        for customer_id, currency in keys:
            receivable, advance = changes[(customer_id, currency)]
            CustomerBalance.objects.filter(customer_id=customer_id, currency=currency).update(
                receivable=F("receivable") + receivable, advance=F("advance") + advance
            )
        return
    rows = []
    customer_ids = sorted({customer_id for customer_id, _currency in keys})
    for start in range(0, len(customer_ids), 500):
        locked = (
            CustomerBalance.objects.select_for_update()
            .filter(customer_id__in=customer_ids[start : start + 500])
            .order_by("customer_id", "currency")
        )
        for balance in locked:
            change = changes.get((balance.customer_id, balance.currency))
            if change is not None:
                rows.append(
                    (balance.pk, balance.receivable + change[0], balance.advance + change[1])
                )
    rows_update(CustomerBalance, ["receivable", "advance"], rows)


@transaction.atomic
def invoice_issue(*, actor: User, invoice_id: int) -> Invoice | HeldPosting:
    """Issue a draft: gapless number, open items, and Dr AR / Cr revenue + output VAT.

    A non-contract sale (强制收入: revenue comes from contracts) is issued only when no
    approval flow applies to it; otherwise it stays a draft and the `HeldPosting` that
    waits for approval is returned, and approval issues it (decision 039).
    """
    require(actor, "issue", Invoice)
    invoice = _invoice_locked(actor, invoice_id, "issue")
    if invoice.status == InvoiceStatus.DRAFT and invoice.origin == InvoiceOrigin.NON_CONTRACT:
        # Credit control (decision 048): no non-contract sale to a customer on hold.
        credit_check_sale(customer_id=invoice.customer_id, amount=invoice.base_total)
        hold = _sale_hold(actor, invoice)
        if hold is not None:
            return hold
    return _issue_many(actor=actor, invoice_ids=[invoice_id], gate=False)[0]


def _sale_not_pending(invoice: Invoice) -> None:
    """A sale waiting for approval is not changed, cancelled or submitted again: the
    approvers decide on what they were shown (withdraw the request first)."""
    if HeldPosting.objects.filter(
        invoice=invoice, kind=HeldPostingKind.NON_CONTRACT_SALE, status=HoldStatus.PENDING
    ).exists():
        raise DomainError(ReceivableError.SALE_PENDING)


def _sale_hold(actor: User, invoice: Invoice) -> HeldPosting | None:
    """Ask approval for a non-contract sale: the hold when a flow applies, else None."""
    _sale_not_pending(invoice)
    return _hold(
        actor=actor,
        document_type=NON_CONTRACT_TYPE,
        hold=HeldPosting(
            kind=HeldPostingKind.NON_CONTRACT_SALE,
            customer=invoice.customer,
            invoice=invoice,
            amount=invoice.total,
            currency=invoice.currency,
            base_amount=invoice.base_total,
            payload={"invoice_id": invoice.pk},
            requested_by=actor,
        ),
    )


@transaction.atomic
def invoice_issue_many(*, actor: User, invoice_ids: Sequence[int]) -> list[Invoice]:
    """Issue drafts in one transaction, numbered in order of invoice date; all or none.

    Each invoice gets its own entry, as if issued alone; what a batch saves is round
    trips: one lock of the drafts, one counter update per year, one insert of the entries
    and of their lines, one balance update per customer and currency.  A non-contract
    sale that an approval flow applies to refuses the batch (`invoice.sale_needs_approval`):
    it is issued on its own, through approval.
    """
    return _issue_many(actor=actor, invoice_ids=invoice_ids, gate=True)


@transaction.atomic
def invoice_issue_charges(*, actor: User, invoice_ids: Sequence[int]) -> list[Invoice]:
    """Issue invoices of what a customer owes already (dunning fees and interest, decision
    051): not a sale, so neither credit control nor the sale's approval gates them."""
    return _issue_many(actor=actor, invoice_ids=invoice_ids, gate=False)


def _issue_many(*, actor: User, invoice_ids: Sequence[int], gate: bool) -> list[Invoice]:
    require(actor, "issue", Invoice)
    wanted = list(dict.fromkeys(invoice_ids))
    found = {
        invoice.pk: invoice
        for invoice in Invoice.objects.restrict(actor, "issue")
        .select_related("customer", "created_by")
        .select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .order_by("pk")
    }
    invoices: list[Invoice] = []
    for position, pk in enumerate(wanted, 1):
        invoice = found.get(pk)
        if invoice is None:
            raise _in_batch(position, len(wanted), DomainError(ReceivableError.INVOICE_NOT_FOUND))
        if invoice.status != InvoiceStatus.DRAFT:
            raise _in_batch(position, len(wanted), DomainError(ReceivableError.NOT_DRAFT))
        invoices.append(invoice)
    sales = [invoice for invoice in invoices if invoice.origin == InvoiceOrigin.NON_CONTRACT]
    # Once per customer, with all its sales of the batch (decision 048).
    per_customer: dict[int, Decimal] = defaultdict(Decimal)
    for invoice in sales if gate else ():
        per_customer[invoice.customer_id] += invoice.base_total
    for customer_id, amount in per_customer.items():
        credit_check_sale(customer_id=customer_id, amount=amount)
    if gate and sales and _flows_exist(NON_CONTRACT_TYPE):
        for position, invoice in enumerate(invoices, 1):
            if invoice in sales and _sale_hold(actor, invoice) is not None:
                # The request just made goes with the refusal's rollback.
                raise _in_batch(position, len(wanted), DomainError(ReceivableError.SALE_BATCH))
    befores = [audit_snapshot(invoice) for invoice in invoices]
    # One query for the batch (none of a plain invoice's lines name an account).
    named = InvoiceLine.objects.filter(
        invoice__in=[invoice.pk for invoice in invoices], revenue_account__isnull=False
    ).select_related("revenue_account")
    credits = _revenue_credits(named.only("invoice_id", "net", "revenue_account"))
    in_order = _issue_post(actor, invoices, credits)
    rows_update(
        Invoice,
        ["number", "journal_entry", "status", "issued_at", "updated_at"],
        [
            (i.pk, i.number, i.journal_entry_id, i.status, i.issued_at, i.updated_at)
            for i in in_order
        ],
    )
    _owed_add(in_order)
    audit_record_many(actor=actor, instances=invoices, action=AuditAction.UPDATE, befores=befores)
    webhook_emit("invoice.issued", in_order, _invoice_event)
    return invoices


def _issue_post(
    actor: User, invoices: Sequence[Invoice], credits: Mapping[int, Mapping[Account, Decimal]]
) -> list[Invoice]:
    """Number the invoices and post their entries, Dr AR / Cr revenue (per account) and
    output VAT; they are then issued (in memory).  Returns them in numbering order."""
    base = base_currency()
    accounts = accounts_for_roles(AccountRole.AR, AccountRole.REVENUE, AccountRole.VAT_OUTPUT)
    in_order = sorted(invoices, key=lambda invoice: (invoice.issue_date, invoice.pk))
    for year in sorted({invoice.issue_date.year for invoice in in_order}):
        of_year = [invoice for invoice in in_order if invoice.issue_date.year == year]
        numbers = sequence_next_many(series=INVOICE_SERIES, year=year, count=len(of_year))
        for invoice, number in zip(of_year, numbers, strict=True):
            invoice.number = number
    postings = []
    for invoice in in_order:
        # Net per revenue account: the lines that name one, the rest to the revenue role.
        nets = dict(credits.get(invoice.pk, {}))
        rest = invoice.subtotal - sum(nets.values(), Decimal(0))
        revenue = accounts[AccountRole.REVENUE]
        nets[revenue] = nets.get(revenue, Decimal(0)) + rest
        nets = {account: net for account, net in nets.items() if net} or {revenue: rest}
        *base_nets, base_tax = split(invoice.base_total, [*nets.values(), invoice.tax_total], base)
        lines = [
            PostingLine(
                accounts[AccountRole.AR],
                invoice.total,
                invoice.currency,
                invoice.base_total,
                customer_id=invoice.customer_id,
            ),
            *(
                PostingLine(account, -net, invoice.currency, -base_net)
                for (account, net), base_net in zip(nets.items(), base_nets, strict=True)
            ),
        ]
        if invoice.tax_total:
            lines.append(
                PostingLine(
                    accounts[AccountRole.VAT_OUTPUT],
                    -invoice.tax_total,
                    invoice.currency,
                    -base_tax,
                )
            )
        postings.append(
            Posting(
                entry_date=invoice.issue_date,
                reason=PostingReason.INVOICE_ISSUE,
                lines=lines,
                idempotency_key=f"invoice:{invoice.pk}:issue",
                source=invoice,
                memo=invoice.number,
            )
        )
    entries = journal_entries_post(actor=actor, postings=postings)
    now = timezone.now()
    for invoice, entry in zip(in_order, entries, strict=True):
        invoice.journal_entry = entry
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_at = invoice.updated_at = now
    return in_order


def _owed_add(invoices: Sequence[Invoice]) -> None:
    """What newly issued invoices add to their customers' receivable balances."""
    owed: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        owed[(invoice.customer_id, invoice.currency)] += invoice.total
    _balances_add({key: (total, Decimal(0)) for key, total in owed.items()})


def _invoice_event(invoice: Invoice) -> tuple[int, dict[str, Any]]:
    """What a webhook tells of an invoice (docs/webhooks.md)."""
    return invoice.pk, {
        "invoice_id": invoice.pk,
        "number": invoice.number,
        "customer": {"id": invoice.customer_id, "code": invoice.customer.code},
        "issue_date": invoice.issue_date,
        "currency": invoice.currency,
        "total": invoice.total,
        "residual": invoice.residual,
        "origin": invoice.origin,
    }


@transaction.atomic
def payment_create(
    *,
    actor: User,
    customer_id: int,
    amount: Decimal,
    currency: str | None = None,
    payment_date: date,
    rate: Decimal | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    bank_reference: str = "",
    payer_name: str = "",
    payer_account: str = "",
    memo: str = "",
    ledger_account_id: int | None = None,
    charges: Decimal = Decimal(0),
    charges_account_id: int | None = None,
) -> Payment:
    """Record money received: Dr bank / Cr advances (预收) until it is allocated.

    `ledger_account_id` names the bank's own ledger account (a statement line's bank
    account); None: the bank deposits account.  `charges` is what the payer's bank kept
    (手续费): the customer is credited with `amount` whole, the bank debited with amount
    less charges, and the charges debited to `charges_account_id`.
    """
    require(actor, "add", Payment)
    customer = _customer(actor, customer_id)
    code = currency_check(currency or customer.currency)
    value = _exact(amount, code)
    fee = _exact(charges, code)
    if value <= 0 or fee < 0 or fee >= value:
        raise DomainError(ReceivableError.AMOUNT_NOT_POSITIVE)
    exchange = _rate(code, rate)
    base_amount = quantize(value * exchange, base_currency())
    payment = Payment(
        customer=customer,
        number=sequence_next(series=PAYMENT_SERIES, year=payment_date.year),
        date=payment_date,
        currency=code,
        rate=exchange,
        amount=value,
        base_amount=base_amount,
        unapplied=value,
        base_unapplied=base_amount,
        method=method,
        bank_reference=bank_reference,
        payer_name=payer_name,
        payer_account=payer_account,
        memo=memo,
        created_by=actor,
    )
    full_clean_or_raise(payment)
    payment.save()
    accounts = accounts_for_roles(AccountRole.BANK, AccountRole.ADVANCE)
    bank = accounts[AccountRole.BANK]
    if ledger_account_id is not None:
        bank = Account.objects.get(pk=ledger_account_id)
    debits = [PostingLine(bank, value, code, base_amount)]
    if fee:
        base_fee = quantize(fee * exchange, base_currency())
        debits = [
            PostingLine(bank, value - fee, code, base_amount - base_fee),
            PostingLine(
                Account.objects.get(pk=charges_account_id)
                if charges_account_id is not None
                else accounts_for_roles(AccountRole.ROUNDING)[AccountRole.ROUNDING],
                fee,
                code,
                base_fee,
            ),
        ]
    payment.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=payment_date,
        reason=PostingReason.PAYMENT,
        lines=[
            *debits,
            PostingLine(
                accounts[AccountRole.ADVANCE],
                -value,
                code,
                -base_amount,
                customer_id=customer.pk,
            ),
        ],
        idempotency_key=f"payment:{payment.pk}",
        source=payment,
        memo=payment.number,
    )
    payment.save(update_fields=["journal_entry"])
    _balance_add(customer_id=customer.pk, currency=code, advance=value)
    audit_record(actor=actor, instance=payment, action=AuditAction.CREATE)
    webhook_emit("payment.received", [payment], _payment_event)
    return payment


OVERDUE_CATCH_UP_DAYS = 7


@transaction.atomic
def invoice_overdue_emit(*, today: date | None = None) -> int:
    """Tell webhook subscribers of every installment that fell overdue lately: due before
    today, within the last week (so that a day the worker was down is caught up), still
    open.  Each installment is told once, however often this runs.  -> deliveries made."""
    day = today or timezone.localdate()
    fell = (
        Installment.objects.filter(
            due_date__lt=day,
            due_date__gte=day - timedelta(days=OVERDUE_CATCH_UP_DAYS),
            residual__gt=0,
            invoice__status__in=OPEN_STATUSES,
        )
        .select_related("invoice__customer")
        .order_by("due_date", "pk")
    )

    def describe(item: Installment) -> tuple[int, dict[str, Any]]:
        invoice = item.invoice
        return item.pk, {
            "installment_id": item.pk,
            "invoice_id": invoice.pk,
            "number": invoice.number,
            "customer": {"id": invoice.customer_id, "code": invoice.customer.code},
            "due_date": item.due_date,
            "days_overdue": (day - item.due_date).days,
            "currency": invoice.currency,
            "amount": item.amount,
            "residual": item.residual,
        }

    return webhook_emit("invoice.overdue", list(fell), describe)


def _payment_event(payment: Payment) -> tuple[int, dict[str, Any]]:
    return payment.pk, {
        "payment_id": payment.pk,
        "number": payment.number,
        "customer": {"id": payment.customer_id, "code": payment.customer.code},
        "date": payment.date,
        "currency": payment.currency,
        "amount": payment.amount,
        "bank_reference": payment.bank_reference,
    }


def _invoice_status(invoice: Invoice) -> InvoiceStatus:
    if invoice.residual == 0:
        return InvoiceStatus.PAID
    if invoice.residual < invoice.total:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


CreditSource = Payment | CreditNote


def _apply(
    *,
    actor: User,
    source: CreditSource,
    installment: Installment,
    amount: Decimal,
    allocation_date: date,
) -> Allocation:
    """Apply `amount` of a locked payment or credit note to a locked installment.

    Posts Dr advances / Cr AR for the customer; a foreign-currency difference between the
    source's rate and the invoice's goes to the exchange account.  An installment with an
    early-payment discount that this allocation settles in time gets its discount row too.
    """
    invoice = installment.invoice
    if invoice.status not in OPEN_STATUSES:
        raise DomainError(ReceivableError.INSTALLMENT_NOT_OPEN)
    if invoice.customer_id != source.customer_id:
        raise DomainError(ReceivableError.CUSTOMER_MISMATCH)
    if invoice.currency != source.currency:
        raise DomainError(
            ReceivableError.CURRENCY_MISMATCH, payment=source.currency, invoice=invoice.currency
        )
    if allocation_date < max(invoice.issue_date, source.date):
        raise DomainError(ReceivableError.ALLOCATION_DATE)
    value = _exact(amount, source.currency)
    if value <= 0:
        raise DomainError(ReceivableError.AMOUNT_NOT_POSITIVE)
    due = discount_due(installment, allocation_date)
    discount = due if value == installment.residual - due else Decimal(0)
    if value + discount > installment.residual:
        raise DomainError(
            ReceivableError.OVER_RESIDUAL, amount=value, residual=installment.residual
        )
    if value > source.unapplied:
        raise DomainError(ReceivableError.OVER_UNAPPLIED, amount=value, unapplied=source.unapplied)
    base = base_currency()
    # The last part of an item takes exactly what is left in base currency.
    invoice_base = (
        installment.base_residual
        if value == installment.residual
        else quantize(value * invoice.rate, base)
    )
    source_base = (
        source.base_unapplied if value == source.unapplied else quantize(value * source.rate, base)
    )
    payment = source if isinstance(source, Payment) else None
    credit_note = source if isinstance(source, CreditNote) else None
    allocation = Allocation.objects.create(
        installment=installment,
        payment=payment,
        credit_note=credit_note,
        kind=OpenItemKind.ALLOCATION if payment else OpenItemKind.CREDIT,
        amount=value,
        base_amount=invoice_base,
        payment_base_amount=source_base,
        date=allocation_date,
        created_by=actor,
    )
    roles = [AccountRole.ADVANCE, AccountRole.AR]
    accounts = accounts_for_roles(
        *roles, *([AccountRole.FX] if source_base != invoice_base else [])
    )
    lines = [
        PostingLine(
            accounts[AccountRole.ADVANCE],
            value,
            source.currency,
            source_base,
            customer_id=source.customer_id,
        ),
        PostingLine(
            accounts[AccountRole.AR],
            -value,
            source.currency,
            -invoice_base,
            customer_id=source.customer_id,
        ),
    ]
    if source_base != invoice_base:
        lines.append(
            PostingLine(
                accounts[AccountRole.FX],
                Decimal(0),
                source.currency,
                invoice_base - source_base,
                memo="exchange difference",
            )
        )
    allocation.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=allocation_date,
        reason=PostingReason.ALLOCATION,
        lines=lines,
        idempotency_key=f"allocation:{allocation.pk}",
        source=allocation,
        memo=f"{source.number} → {invoice.number}",
    )
    allocation.save(update_fields=["journal_entry"])
    _move(installment, value, invoice_base)
    _source_move(source, value, source_base)
    _balance_add(
        customer_id=source.customer_id, currency=source.currency, receivable=-value, advance=-value
    )
    if discount:
        _settle(
            actor=actor,
            installment=installment,
            amount=discount,
            kind=OpenItemKind.DISCOUNT,
            role=AccountRole.DISCOUNT,
            row_date=allocation_date,
            reason=PostingReason.DISCOUNT,
        )
    if payment is not None:
        webhook_emit("payment.matched", [allocation], _allocation_event)
    return allocation


def _allocation_event(allocation: Allocation) -> tuple[int, dict[str, Any]]:
    installment = allocation.installment
    return allocation.pk, {
        "allocation_id": allocation.pk,
        "payment": allocation.payment.number if allocation.payment else None,
        "invoice": installment.invoice.number,
        "installment": installment.sequence,
        "date": allocation.date,
        "currency": installment.invoice.currency,
        "amount": allocation.amount,
        "invoice_residual": installment.invoice.residual,
    }


def discount_due(installment: Installment, on: date, *, earned: bool | None = None) -> Decimal:
    """The early-payment discount that paying the rest of `installment` on `on` earns.

    `earned` says whether a discount row (not undone) exists already; callers that read it
    in bulk pass it, others let it be looked up.
    """
    if not installment.discount_amount or installment.discount_until is None:
        return Decimal(0)
    if on > installment.discount_until or installment.residual <= installment.discount_amount:
        return Decimal(0)
    if earned is None:
        earned = installment.allocations.filter(
            kind=OpenItemKind.DISCOUNT, undone_by__isnull=True
        ).exists()
    return Decimal(0) if earned else installment.discount_amount


def _move(installment: Installment, value: Decimal, invoice_base: Decimal) -> None:
    """Keep an installment and its invoice in step with a row against it (+ or -)."""
    installment.residual -= value
    installment.base_residual -= invoice_base
    installment.save(update_fields=["residual", "base_residual"])
    invoice = installment.invoice
    invoice.residual -= value
    invoice.status = _invoice_status(invoice)
    invoice.save(update_fields=["residual", "status", "updated_at"])


def _source_move(source: CreditSource, value: Decimal, source_base: Decimal) -> None:
    source.unapplied -= value
    source.base_unapplied -= source_base
    source.save(update_fields=["unapplied", "base_unapplied"])


def _settle(
    *,
    actor: User,
    installment: Installment,
    amount: Decimal,
    kind: OpenItemKind,
    role: AccountRole,
    row_date: date,
    reason: PostingReason,
    write_off_kind: str = "",
    note: str = "",
) -> Allocation:
    """Close part of an item without money: a write-off or a discount (Dr expense / Cr AR)."""
    invoice = installment.invoice
    base = base_currency()
    invoice_base = (
        installment.base_residual
        if amount == installment.residual
        else quantize(amount * invoice.rate, base)
    )
    row = Allocation.objects.create(
        installment=installment,
        kind=kind,
        write_off_kind=write_off_kind,
        reason=note[:500],
        amount=amount,
        base_amount=invoice_base,
        date=row_date,
        created_by=actor,
    )
    accounts = accounts_for_roles(role, AccountRole.AR)
    row.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=row_date,
        reason=reason,
        lines=[
            PostingLine(accounts[role], amount, invoice.currency, invoice_base),
            PostingLine(
                accounts[AccountRole.AR],
                -amount,
                invoice.currency,
                -invoice_base,
                customer_id=invoice.customer_id,
            ),
        ],
        idempotency_key=f"allocation:{row.pk}",
        source=row,
        memo=f"{invoice.number} {row.get_kind_display()}",
    )
    row.save(update_fields=["journal_entry"])
    _move(installment, amount, invoice_base)
    if kind == OpenItemKind.WRITE_OFF and write_off_kind == WriteOffKind.BAD_DEBT:
        invoice.status = InvoiceStatus.WRITTEN_OFF if invoice.residual == 0 else invoice.status
        invoice.save(update_fields=["status", "updated_at"])
    _balance_add(customer_id=invoice.customer_id, currency=invoice.currency, receivable=-amount)
    return row


def _not_voided(source: CreditSource) -> None:
    """A voided payment takes part in nothing any more (decision 046)."""
    if isinstance(source, Payment) and source.voided_on is not None:
        raise DomainError(
            ReceivableError.PAYMENT_VOIDED, number=source.number, voided_on=source.voided_on
        )


def _source_locked(
    actor: User, *, payment_id: int | None = None, credit_note_id: int | None = None
) -> CreditSource:
    require(actor, "allocate", Payment)
    if (payment_id is None) == (credit_note_id is None):
        raise DomainError(ReceivableError.ONE_SOURCE)
    if payment_id is not None:
        payment = get_scoped(
            Payment.objects.all(),
            user=actor,
            action="view",
            pk=payment_id,
            lock=True,
            not_found=ReceivableError.PAYMENT_NOT_FOUND,
        )
        _not_voided(payment)
        return payment
    return get_scoped(
        CreditNote.objects.all(),
        user=actor,
        action="view",
        pk=credit_note_id,
        lock=True,
        not_found=ReceivableError.CREDIT_NOTE_NOT_FOUND,
    )


def _installments_locked(ids: Sequence[int]) -> dict[int, Installment]:
    """Lock installments (and their invoices) by id; installments of one invoice share one
    invoice object, so that each row against them updates the same running residual."""
    rows = list(
        Installment.objects.select_for_update()
        .select_related("invoice")
        .filter(pk__in=sorted(ids))
        .order_by("pk")
    )
    invoices: dict[int, Invoice] = {}
    for row in rows:
        row.invoice = invoices.setdefault(row.invoice_id, row.invoice)
    return {row.pk: row for row in rows}


@transaction.atomic
def allocation_create(
    *,
    actor: User,
    installment_id: int,
    amount: Decimal,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    allocation_date: date | None = None,
) -> Allocation:
    """Apply part of a payment or credit note to one installment (核销).

    Partial allocation is fine; more than the installment's residual or the source's
    unapplied amount is refused, as are other customers' or currencies' items.
    """
    source = _source_locked(actor, payment_id=payment_id, credit_note_id=credit_note_id)
    installment = _installments_locked([installment_id]).get(installment_id)
    if installment is None or installment.invoice.customer_id != source.customer_id:
        raise DomainError(ReceivableError.CUSTOMER_MISMATCH)
    return _apply(
        actor=actor,
        source=source,
        installment=installment,
        amount=amount,
        allocation_date=allocation_date or timezone.localdate(),
    )


def _apply_oldest_first(
    *, actor: User, source: CreditSource, allocation_date: date, invoice_id: int | None = None
) -> list[Allocation]:
    items = Installment.objects.filter(
        invoice__customer_id=source.customer_id,
        invoice__currency=source.currency,
        invoice__status__in=OPEN_STATUSES,
        residual__gt=0,
    )
    if invoice_id is not None:
        items = items.filter(invoice_id=invoice_id)
    # Clearing order fees -> interest -> principal (decision 051): invoices of dunning
    # charges first (their fee installment before their interest one), then oldest due.
    charges = Exists(DunningCharge.objects.filter(invoice_id=OuterRef("invoice_id")))
    candidates = list(
        items.annotate(charge=charges)
        .order_by("-charge", "due_date", "invoice__issue_date", "id")
        .values_list("pk", flat=True)
    )
    locked = _installments_locked(candidates)
    made = []
    for pk in candidates:
        if source.unapplied == 0:
            break
        installment = locked[pk]
        if allocation_date < installment.invoice.issue_date:
            continue
        payable = installment.residual - discount_due(installment, allocation_date)
        made.append(
            _apply(
                actor=actor,
                source=source,
                installment=installment,
                amount=min(payable, source.unapplied),
                allocation_date=allocation_date,
            )
        )
    return made


@transaction.atomic
def payment_auto_allocate(
    *,
    actor: User,
    payment_id: int | None = None,
    credit_note_id: int | None = None,
    allocation_date: date | None = None,
) -> list[Allocation]:
    """Apply what is left of a payment (or credit) to the customer's items, oldest due first."""
    source = _source_locked(actor, payment_id=payment_id, credit_note_id=credit_note_id)
    return _apply_oldest_first(
        actor=actor,
        source=source,
        allocation_date=max(allocation_date or timezone.localdate(), source.date),
    )


@transaction.atomic
def allocation_undo(*, actor: User, allocation_id: int) -> Allocation:
    """Un-apply a payment or credit: a negative row and the reversing entry, both kept."""
    original = (
        Allocation.objects.filter(
            pk=allocation_id, kind__in=[OpenItemKind.ALLOCATION, OpenItemKind.CREDIT]
        )
        .select_related("journal_entry")
        .first()
    )
    if original is None:
        raise DomainError(ReceivableError.ALLOCATION_NOT_FOUND)
    source = _source_locked(
        actor, payment_id=original.payment_id, credit_note_id=original.credit_note_id
    )
    installment = _installments_locked([original.installment_id])[original.installment_id]
    if Allocation.objects.filter(undoes=original).exists():
        raise DomainError(ReceivableError.ALREADY_UNALLOCATED)
    undo_date = max(timezone.localdate(), original.date)
    undo = Allocation.objects.create(
        installment=installment,
        payment=original.payment,
        credit_note=original.credit_note,
        kind=OpenItemKind.UNALLOCATION,
        amount=-original.amount,
        base_amount=-original.base_amount,
        payment_base_amount=-original.payment_base_amount,
        undoes=original,
        date=undo_date,
        created_by=actor,
    )
    assert original.journal_entry is not None
    undo.journal_entry = journal_entry_reversal_post(
        actor=actor,
        original=original.journal_entry,
        entry_date=undo_date,
        reason=PostingReason.ALLOCATION,
    )
    undo.save(update_fields=["journal_entry"])
    _move(installment, undo.amount, undo.base_amount)
    _source_move(source, undo.amount, undo.payment_base_amount)
    _balance_add(
        customer_id=source.customer_id,
        currency=source.currency,
        receivable=original.amount,
        advance=original.amount,
    )
    # A discount earned by paying in time goes when the payment goes.
    earned = installment.allocations.filter(
        kind=OpenItemKind.DISCOUNT, undone_by__isnull=True, id__gt=original.pk
    ).first()
    if earned is not None:
        _settle_undo(actor=actor, row=earned, installment=installment, undo_date=undo_date)
    return undo


def _settle_undo(
    *, actor: User, row: Allocation, installment: Installment, undo_date: date
) -> Allocation:
    assert row.journal_entry is not None
    undo = Allocation.objects.create(
        installment=installment,
        kind=OpenItemKind.UNALLOCATION,
        amount=-row.amount,
        base_amount=-row.base_amount,
        undoes=row,
        date=undo_date,
        created_by=actor,
    )
    undo.journal_entry = journal_entry_reversal_post(
        actor=actor, original=row.journal_entry, entry_date=undo_date, reason=PostingReason.DISCOUNT
    )
    undo.save(update_fields=["journal_entry"])
    _move(installment, undo.amount, undo.base_amount)
    _balance_add(
        customer_id=installment.invoice.customer_id,
        currency=installment.invoice.currency,
        receivable=row.amount,
    )
    return undo


@transaction.atomic
def payment_refund(
    *, actor: User, payment_id: int, amount: Decimal, refund_date: date, memo: str = ""
) -> Refund:
    """Pay back part of an advance: Dr advances / Cr bank, out of the unapplied amount."""
    require(actor, "refund", Payment)
    payment = get_scoped(
        Payment.objects.all(),
        user=actor,
        action="refund",
        pk=payment_id,
        lock=True,
        not_found=ReceivableError.PAYMENT_NOT_FOUND,
    )
    _not_voided(payment)
    value = _exact(amount, payment.currency)
    if value <= 0:
        raise DomainError(ReceivableError.AMOUNT_NOT_POSITIVE)
    if value > payment.unapplied:
        raise DomainError(ReceivableError.OVER_UNAPPLIED, amount=value, unapplied=payment.unapplied)
    if refund_date < payment.date:
        raise DomainError(ReceivableError.ALLOCATION_DATE)
    base_amount = (
        payment.base_unapplied
        if value == payment.unapplied
        else quantize(value * payment.rate, base_currency())
    )
    refund = Refund.objects.create(
        payment=payment,
        date=refund_date,
        amount=value,
        base_amount=base_amount,
        memo=memo,
        created_by=actor,
    )
    accounts = accounts_for_roles(AccountRole.ADVANCE, AccountRole.BANK)
    refund.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=refund_date,
        reason=PostingReason.REFUND,
        lines=[
            PostingLine(
                accounts[AccountRole.ADVANCE],
                value,
                payment.currency,
                base_amount,
                customer_id=payment.customer_id,
            ),
            PostingLine(accounts[AccountRole.BANK], -value, payment.currency, -base_amount),
        ],
        idempotency_key=f"refund:{refund.pk}",
        source=refund,
        memo=f"{payment.number} refund",
    )
    refund.save(update_fields=["journal_entry"])
    _source_move(payment, value, base_amount)
    _balance_add(customer_id=payment.customer_id, currency=payment.currency, advance=-value)
    audit_record(actor=actor, instance=refund, action=AuditAction.CREATE)
    return refund


@transaction.atomic
def payment_void(*, actor: User, payment_id: int, void_date: date, memo: str = "") -> Payment:
    """Take back a payment recorded in error (a statement line recognised wrongly).

    Nothing of it may be applied or refunded (undo its allocations first).  Its entry is
    reversed and the payment marked voided with that reversal: no money went back, so it
    is not a refund (decision 046).  It keeps its number; its unapplied amount goes to
    zero and the customer's advance with it.  Voiding it again is refused.
    """
    require(actor, "refund", Payment)
    payment = get_scoped(
        Payment.objects.all(),
        user=actor,
        action="refund",
        pk=payment_id,
        lock=True,
        not_found=ReceivableError.PAYMENT_NOT_FOUND,
    )
    if payment.voided_on is not None:
        raise DomainError(
            ReceivableError.ALREADY_VOIDED, number=payment.number, voided_on=payment.voided_on
        )
    if payment.unapplied != payment.amount or payment.journal_entry is None:
        raise DomainError(
            ReceivableError.OVER_UNAPPLIED, amount=payment.amount, unapplied=payment.unapplied
        )
    before = audit_snapshot(payment)
    payment.voided_on = max(void_date, payment.date)
    payment.void_memo = memo[:500]
    payment.void_entry = journal_entry_reversal_post(
        actor=actor,
        original=payment.journal_entry,
        entry_date=payment.voided_on,
        reason=PostingReason.PAYMENT,
        memo=f"{payment.number} voided"[:500],
    )
    payment.save(update_fields=["voided_on", "void_memo", "void_entry"])
    _source_move(payment, payment.amount, payment.base_amount)
    _balance_add(
        customer_id=payment.customer_id, currency=payment.currency, advance=-payment.amount
    )
    audit_record(actor=actor, instance=payment, action=AuditAction.UPDATE, before=before)
    return payment


@transaction.atomic
def credit_note_create(
    *,
    actor: User,
    lines: Sequence[LineIn],
    reason: str,
    credit_date: date,
    invoice_id: int | None = None,
    customer_id: int | None = None,
    currency: str | None = None,
    rate: Decimal | None = None,
) -> CreditNote | HeldPosting:
    """Issue a credit note (红字发票): Dr revenue + output VAT / Cr advances.

    Against a contract invoice each line names a contract line the invoice billed, and its
    net is debited where the invoice credited it (合同负债 or revenue), revenue already
    recognised to revenue; the contract's balances follow (decision 041).

    Against an invoice it takes the invoice's customer, currency and rate and is applied to
    that invoice at once (oldest installment first); what exceeds the invoice's residual
    stays as credit.  Standalone, all of it is credit to apply later.

    When an approval flow applies to it, nothing is posted yet: the credit note is held
    and the `HeldPosting` returned; approval issues it then (decision 031).
    """
    return _credit_note(
        actor=actor,
        lines=lines,
        reason=reason,
        credit_date=credit_date,
        invoice_id=invoice_id,
        customer_id=customer_id,
        currency=currency,
        rate=rate,
        held=None,
    )


def _credit_note(
    *,
    actor: User,
    lines: Sequence[LineIn],
    reason: str,
    credit_date: date,
    invoice_id: int | None,
    customer_id: int | None,
    currency: str | None,
    rate: Decimal | None,
    held: HeldPosting | None,
) -> CreditNote | HeldPosting:
    require(actor, "credit", Invoice)
    if not reason.strip():
        raise DomainError(ReceivableError.REASON_REQUIRED)
    invoice = None
    if invoice_id is not None:
        invoice = _invoice_locked(actor, invoice_id, "credit")
        if invoice.status not in (*OPEN_STATUSES, InvoiceStatus.PAID):
            raise DomainError(ReceivableError.INSTALLMENT_NOT_OPEN)
        customer, code, exchange = invoice.customer, invoice.currency, invoice.rate
    elif customer_id is not None:
        customer = _customer(actor, customer_id)
        code = currency_check(currency or customer.currency)
        exchange = _rate(code, rate)
    else:
        raise DomainError(ReceivableError.ONE_SOURCE)
    if credit_date < (invoice.issue_date if invoice else credit_date):
        raise DomainError(ReceivableError.ALLOCATION_DATE)
    if not lines:
        raise DomainError(ReceivableError.NO_LINES)
    typed = lines
    lines, parts = _contract_credit_lines(invoice, lines, code)
    built = [_line_amounts(line, code, n) for n, line in enumerate(lines, 1)]
    subtotal = sum((line.net for line in built), Decimal(0))
    tax_total = sum((line.tax for line in built), Decimal(0))
    total = subtotal + tax_total
    if total <= 0:
        raise DomainError(ReceivableError.TOTAL_NOT_POSITIVE)
    base = base_currency()
    base_total = quantize(total * exchange, base)
    if held is None:
        hold = _hold(
            actor=actor,
            document_type=CREDIT_NOTE_TYPE,
            hold=HeldPosting(
                kind=HeldPostingKind.CREDIT_NOTE,
                customer=customer,
                invoice=invoice,
                amount=total,
                currency=code,
                base_amount=base_total,
                reason=reason.strip()[:500],
                payload={
                    # As typed: approval checks and completes them again when it posts.
                    "lines": [_line_plain(line) for line in typed],
                    "reason": reason,
                    "credit_date": credit_date.isoformat(),
                    "invoice_id": invoice_id,
                    "customer_id": customer.pk,
                    "currency": code,
                    "rate": str(exchange),
                },
                requested_by=actor,
            ),
        )
        if hold is not None:
            return hold
    note = CreditNote(
        customer=customer,
        invoice=invoice,
        number=sequence_next(series=CREDIT_NOTE_SERIES, year=credit_date.year),
        date=credit_date,
        currency=code,
        rate=exchange,
        subtotal=subtotal,
        tax_total=tax_total,
        amount=total,
        base_amount=base_total,
        unapplied=total,
        base_unapplied=base_total,
        reason=reason.strip()[:500],
        created_by=actor,
    )
    full_clean_or_raise(note)
    note.save()
    base_net, base_tax = split(base_total, [subtotal, tax_total], base)
    accounts = accounts_for_roles(
        AccountRole.REVENUE, AccountRole.ADVANCE, *([AccountRole.VAT_OUTPUT] if tax_total else [])
    )
    if parts:
        debits = _contract_credit_debits(
            actor=actor,
            note=note,
            parts=parts,
            base_net=base_net,
            revenue=accounts[AccountRole.REVENUE],
        )
    else:
        debits = [PostingLine(accounts[AccountRole.REVENUE], subtotal, code, base_net)]
        if invoice is not None and invoice.origin == InvoiceOrigin.OPENING:
            migrated_invoice_credited(actor=actor, note=note)
    posting = [
        *debits,
        PostingLine(
            accounts[AccountRole.ADVANCE],
            -total,
            code,
            -base_total,
            customer_id=customer.pk,
        ),
    ]
    if tax_total:
        posting.append(PostingLine(accounts[AccountRole.VAT_OUTPUT], tax_total, code, base_tax))
    note.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=credit_date,
        reason=PostingReason.CREDIT_NOTE,
        lines=posting,
        idempotency_key=f"credit_note:{note.pk}",
        source=note,
        memo=f"{note.number} {note.reason}"[:500],
    )
    note.save(update_fields=["journal_entry"])
    _balance_add(customer_id=customer.pk, currency=code, advance=total)
    audit_record(actor=actor, instance=note, action=AuditAction.CREATE)
    if invoice is not None:
        _apply_oldest_first(
            actor=actor, source=note, allocation_date=credit_date, invoice_id=invoice.pk
        )
    return note


def _contract_credit_lines(
    invoice: Invoice | None, lines: Sequence[LineIn], currency: str
) -> tuple[list[LineIn], list[CreditPart]]:
    """A contract invoice's credit lines, checked and completed (decision 041).

    Each names a contract line the invoice billed, at the tax rate it billed it, for no
    more than the invoice billed of it less earlier credit notes; it takes the account the
    invoice credited (合同负债 or revenue) and, when it credits what is left, exactly the
    tax left, so crediting a line whole gives back its tax to the cent.  Other credit
    notes name no contract line and are returned as they are.
    """
    if invoice is None or invoice.origin != InvoiceOrigin.CONTRACT:
        for n, line in enumerate(lines, 1):
            if line.contract_line_id is not None:
                raise DomainError(ReceivableError.CREDIT_LINE_NOT_ON_INVOICE, line=n)
        return list(lines), []
    billed: dict[int, InvoiceLine] = {}
    left: dict[int, list[Decimal]] = {}
    for billed_line in invoice.lines.filter(contract_line__isnull=False).order_by("position"):
        assert billed_line.contract_line_id is not None
        billed.setdefault(billed_line.contract_line_id, billed_line)
        sums = left.setdefault(billed_line.contract_line_id, [Decimal(0), Decimal(0)])
        sums[0] += billed_line.net
        sums[1] += billed_line.tax
    for line_id, (net, tax) in credited_so_far(invoice.pk).items():
        left[line_id][0] -= net
        left[line_id][1] -= tax
    result, parts = [], []
    for n, line in enumerate(lines, 1):
        if line.contract_line_id is None:
            raise DomainError(ReceivableError.CREDIT_LINE_REQUIRED, line=n)
        row = billed.get(line.contract_line_id)
        if row is None:
            raise DomainError(ReceivableError.CREDIT_LINE_NOT_ON_INVOICE, line=n)
        if to_decimal(line.tax_rate) != row.tax_rate:
            raise DomainError(ReceivableError.CREDIT_TAX_RATE, line=n, rate=row.tax_rate)
        net = _line_amounts(replace(line, tax=None), currency, n).net
        left_net, left_tax = left[line.contract_line_id]
        if net > left_net:
            raise DomainError(
                ReceivableError.CREDIT_EXCEEDS_INVOICED,
                line=n,
                amount=net,
                left=quantize(left_net, currency),
            )
        tax = left_tax if net == left_net else min(quantize(net * row.tax_rate, currency), left_tax)
        left[line.contract_line_id] = [left_net - net, left_tax - tax]
        result.append(replace(line, tax=tax, revenue_account_id=row.revenue_account_id))
        parts.append(CreditPart(line.contract_line_id, net, tax, row.revenue_account_id))
    return result, parts


def _contract_credit_debits(
    *,
    actor: User,
    note: CreditNote,
    parts: Sequence[CreditPart],
    base_net: Decimal,
    revenue: Account,
) -> list[PostingLine]:
    """The debits of a contract invoice's credit note: per account, what its lines take back.

    The contract records the credit and says how much of each line's net was recognised
    revenue already; that part is debited to revenue, the rest where the invoice credited
    it.  The base amount is split over the accounts by largest remainder, as on issue.
    """
    per_account: dict[int, Decimal] = defaultdict(Decimal)
    for part, reversal in zip(
        parts, contract_credits_record(actor=actor, note=note, parts=parts), strict=True
    ):
        per_account[part.account_id or revenue.pk] += part.net - reversal.credit.reversed
        per_account[reversal.revenue_account_id or revenue.pk] += reversal.credit.reversed
    amounts = {pk: amount for pk, amount in sorted(per_account.items()) if amount}
    accounts = Account.objects.in_bulk(list(amounts))
    bases = split(base_net, list(amounts.values()), base_currency())
    return [
        PostingLine(accounts[pk], amount, note.currency, base_amount)
        for (pk, amount), base_amount in zip(amounts.items(), bases, strict=True)
    ]


@transaction.atomic
def write_off_create(
    *,
    actor: User,
    installment_id: int,
    kind: WriteOffKind,
    reason: str = "",
    amount: Decimal | None = None,
    write_off_date: date | None = None,
) -> Allocation | HeldPosting:
    """Give up (part of) an installment's residual.

    A small residual (at most the tolerance finance set) goes to the small-differences
    account; a bad debt (大额坏账) needs a reason and goes to credit impairment losses.
    A bad debt an approval flow applies to is held, not posted: the `HeldPosting` is
    returned, and approval posts it (decision 031).  While one is held, the installment
    takes no other write-off.
    """
    return _write_off(
        actor=actor,
        installment_id=installment_id,
        kind=kind,
        reason=reason,
        amount=amount,
        write_off_date=write_off_date,
        held=None,
    )


def _write_off(
    *,
    actor: User,
    installment_id: int,
    kind: WriteOffKind,
    reason: str,
    amount: Decimal | None,
    write_off_date: date | None,
    held: HeldPosting | None,
) -> Allocation | HeldPosting:
    require(actor, "write_off", Invoice)
    installment = _installments_locked([installment_id]).get(installment_id)
    if (
        installment is None
        or not Invoice.objects.restrict(actor, "write_off")
        .filter(pk=installment.invoice_id)
        .exists()
    ):
        raise DomainError(ReceivableError.INVOICE_NOT_FOUND)
    if installment.invoice.status not in OPEN_STATUSES:
        raise DomainError(ReceivableError.INSTALLMENT_NOT_OPEN)
    others_held = HeldPosting.objects.filter(
        installment=installment, kind=HeldPostingKind.WRITE_OFF, status=HoldStatus.PENDING
    )
    if held is not None:
        others_held = others_held.exclude(pk=held.pk)
    if others_held.exists():
        raise DomainError(ReceivableError.APPROVAL_PENDING)
    value = installment.residual if amount is None else _exact(amount, installment.invoice.currency)
    if value <= 0:
        raise DomainError(ReceivableError.AMOUNT_NOT_POSITIVE)
    if value > installment.residual:
        raise DomainError(
            ReceivableError.OVER_RESIDUAL, amount=value, residual=installment.residual
        )
    if kind == WriteOffKind.SMALL_RESIDUAL:
        tolerance = write_off_tolerance()
        if value > tolerance:
            raise DomainError(ReceivableError.OVER_TOLERANCE, amount=value, tolerance=tolerance)
        role = AccountRole.ROUNDING
    else:
        if not reason.strip():
            raise DomainError(ReceivableError.REASON_REQUIRED)
        role = AccountRole.CREDIT_LOSS
    on = write_off_date or timezone.localdate()
    if on < installment.invoice.issue_date:
        raise DomainError(ReceivableError.ALLOCATION_DATE)
    if kind == WriteOffKind.BAD_DEBT and held is None:
        invoice = installment.invoice
        hold = _hold(
            actor=actor,
            document_type=WRITE_OFF_TYPE,
            hold=HeldPosting(
                kind=HeldPostingKind.WRITE_OFF,
                customer=invoice.customer,
                invoice=invoice,
                installment=installment,
                amount=value,
                currency=invoice.currency,
                base_amount=quantize(value * invoice.rate, base_currency()),
                reason=reason.strip()[:500],
                payload={
                    "installment_id": installment.pk,
                    "kind": str(kind),
                    "reason": reason,
                    "amount": str(value),
                    "write_off_date": on.isoformat(),
                },
                requested_by=actor,
            ),
        )
        if hold is not None:
            return hold
    return _settle(
        actor=actor,
        installment=installment,
        amount=value,
        kind=OpenItemKind.WRITE_OFF,
        role=role,
        row_date=on,
        reason=PostingReason.WRITE_OFF,
        write_off_kind=kind,
        note=reason,
    )


def _line_plain(line: LineIn) -> dict[str, Any]:
    plain: dict[str, Any] = {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "tax_rate": str(line.tax_rate),
        "discount_percent": str(line.discount_percent),
    }
    if line.contract_line_id is not None:
        plain["contract_line_id"] = line.contract_line_id
    return plain


def _hold(*, actor: User, document_type: str, hold: HeldPosting) -> HeldPosting | None:
    """Ask approval for a posting: the saved hold when a flow applies, else None (post now)."""
    request = approval_request_submit(actor=actor, document=hold, document_type=document_type)
    if request is None:
        return None
    hold.approval_request = request
    hold.save(update_fields=["approval_request"])
    audit_record(actor=actor, instance=hold, action=AuditAction.CREATE)
    return hold


@transaction.atomic
def held_posting_post(request: ApprovalRequest, actor: User) -> None:
    """`on_approved` of write-offs, credit notes and non-contract sales: post what was held,
    checked again.

    The posting is made as the person who asked for it (their rights and scope still
    count).  If it no longer fits (say a payment shrank the residual meanwhile) the
    approval fails with the reason and the request stays pending.
    """
    hold = HeldPosting.objects.select_for_update().get(pk=request.document_id)
    if hold.status != HoldStatus.PENDING:
        raise DomainError(ReceivableError.HOLD_NOT_PENDING)
    before = audit_snapshot(hold)
    args = hold.payload
    try:
        if hold.kind == HeldPostingKind.WRITE_OFF:
            row = _write_off(
                actor=hold.requested_by,
                installment_id=args["installment_id"],
                kind=WriteOffKind(args["kind"]),
                reason=args["reason"],
                amount=Decimal(args["amount"]),
                write_off_date=date.fromisoformat(args["write_off_date"]),
                held=hold,
            )
            assert isinstance(row, Allocation)  # a held posting is never held again
            hold.allocation = row
        elif hold.kind == HeldPostingKind.NON_CONTRACT_SALE:
            _issue_many(actor=hold.requested_by, invoice_ids=[args["invoice_id"]], gate=False)
        else:
            note = _credit_note(
                actor=hold.requested_by,
                lines=[LineIn(**line) for line in args["lines"]],
                reason=args["reason"],
                credit_date=date.fromisoformat(args["credit_date"]),
                invoice_id=args["invoice_id"],
                customer_id=args["customer_id"],
                currency=args["currency"],
                rate=Decimal(args["rate"]),
                held=hold,
            )
            assert isinstance(note, CreditNote)
            hold.credit_note = note
    except DomainError as exc:
        raise DomainError(
            ReceivableError.HOLD_STALE, problem=exc.message, details={"cause": exc.code.code}
        ) from exc
    hold.status, hold.decided_at = HoldStatus.POSTED, timezone.now()
    hold.save(update_fields=["status", "decided_at", "allocation", "credit_note"])
    audit_record(actor=actor, instance=hold, action=AuditAction.UPDATE, before=before)


@transaction.atomic
def held_posting_release(request: ApprovalRequest, actor: User) -> None:
    """`on_rejected` of held postings: close the hold; nothing was posted.

    A rejected non-contract sale stays a draft; its page shows the approvers' reason.
    """
    hold = HeldPosting.objects.select_for_update().get(pk=request.document_id)
    before = audit_snapshot(hold)
    withdrawn = request.status == RequestStatus.WITHDRAWN
    hold.status = HoldStatus.WITHDRAWN if withdrawn else HoldStatus.REJECTED
    hold.decided_at = timezone.now()
    if hold.kind == HeldPostingKind.NON_CONTRACT_SALE and not withdrawn:
        # The sale's draft stays; the approvers' reason is what its page shows.
        rejection = request.actions.filter(kind=ActionKind.REJECT).order_by("-pk").first()
        hold.reason = rejection.comment[:500] if rejection is not None else ""
    hold.save(update_fields=["status", "decided_at", "reason"])
    audit_record(actor=actor, instance=hold, action=AuditAction.UPDATE, before=before)


def write_off_tolerance() -> Decimal:
    """The largest residual finance may write off without calling it a bad debt."""
    return to_decimal(getattr(settings, "CASHLOOP_WRITE_OFF_TOLERANCE", "1.00"))


# --- the seller on invoices (decision 058) --------------------------------------------------

# In the order the form shows them.
INVOICING_PROFILE_FIELDS = (
    "legal_name",
    "tax_id",
    "address",
    "city",
    "postal_code",
    "country",
    "email",
    "phone",
    "bank_name",
    "bank_account",
)


@transaction.atomic
def invoicing_profile_update(*, actor: User, changes: Mapping[str, Any]) -> InvoicingProfile:
    """Change the seller details invoices carry; the first save creates the row."""
    require(actor, "change", InvoicingProfile)
    for field in changes:
        if field not in INVOICING_PROFILE_FIELDS:
            raise DomainError(CoreError.UNKNOWN_FIELD, field=field, details={"field": field})
    profile = InvoicingProfile.objects.select_for_update().order_by("pk").first()
    before = audit_snapshot(profile) if profile is not None else None
    profile = profile or InvoicingProfile()
    for field, value in changes.items():
        setattr(profile, field, value.strip() if isinstance(value, str) else value)
    profile.country = country_check(profile.country)
    full_clean_or_raise(profile)
    profile.save()
    if before is None:
        audit_record(actor=actor, instance=profile, action=AuditAction.CREATE)
    else:
        audit_record(actor=actor, instance=profile, action=AuditAction.UPDATE, before=before)
    return profile
