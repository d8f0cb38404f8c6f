"""Writes of receivables: draft and issue invoices, receive payments, allocate (核销).

Every service that moves money posts through `ledger.services.journal_entry_post` in its
own transaction and updates the stored residuals and customer balances beside it.  Rows
are locked in one order everywhere (payments, then installments, then balances, each by
id) so that concurrent allocations queue instead of deadlocking.

Prices on invoice lines are net of VAT; each line's net and tax are rounded to the
currency's minor unit, and the invoice's totals are the sums of its lines.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cashloop.core.audit import audit_record, audit_snapshot
from cashloop.core.errors import DomainError, full_clean_or_raise
from cashloop.core.models import AuditAction
from cashloop.core.money import base_currency, currency_check, quantize, split, to_decimal
from cashloop.core.scoping import get_scoped, require
from cashloop.core.sequences import sequence_next
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.services import (
    PostingLine,
    account_for_role,
    journal_entry_post,
    journal_entry_reversal_post,
)
from cashloop.receivables.choices import DueRule, InvoiceStatus, OpenItemKind, PaymentMethod
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import (
    Allocation,
    CustomerBalance,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
)

# VAT rates of the PRC: general 13/9/6, small-scale 3 and 1, simplified 5, zero-rated 0.
TAX_RATES = frozenset(Decimal(r) for r in ("0", "0.01", "0.03", "0.05", "0.06", "0.09", "0.13"))
INVOICE_SERIES = "INV"
PAYMENT_SERIES = "RCV"
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class LineIn:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class InstallmentIn:
    """A due date by rule; `share` weighs the installment's part of the total."""

    share: Decimal = Decimal(1)
    due_rule: DueRule = DueRule.DAYS_AFTER
    due_days: int = 30
    fixed_date: date | None = None


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
    if quantity <= 0 or price < 0:
        raise DomainError(ReceivableError.BAD_LINE, line=n, reason="quantity/price")
    if not 0 <= discount < 100:
        raise DomainError(ReceivableError.BAD_LINE, line=n, reason="discount %")
    if rate not in TAX_RATES:
        raise DomainError(ReceivableError.TAX_RATE, rate=rate)
    net = quantize(quantity * price * (100 - discount) / 100, currency)
    tax = quantize(net * rate, currency)
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
    )


def _due_date(spec: InstallmentIn, issue_date: date, n: int) -> date:
    if spec.due_rule == DueRule.DAYS_AFTER:
        return issue_date + timedelta(days=spec.due_days)
    if spec.due_rule == DueRule.END_OF_MONTH:
        last = calendar.monthrange(issue_date.year, issue_date.month)[1]
        return issue_date.replace(day=last) + timedelta(days=spec.due_days)
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


def _customer(actor: User, customer_id: int) -> Customer:
    return get_scoped(
        Customer.objects.all(),
        user=actor,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )


@transaction.atomic
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
) -> Invoice:
    """Create a draft invoice; without installments, one due after the customer's terms."""
    require(actor, "add", Invoice)
    customer = _customer(actor, customer_id)
    code = currency_check(currency or customer.currency)
    invoice = Invoice(
        customer=customer,
        currency=code,
        rate=_rate(code, rate),
        issue_date=issue_date,
        memo=memo,
        created_by=actor,
    )
    schedule_in = installments or [InstallmentIn(due_days=customer.payment_terms_days)]
    built, schedule = _fill(invoice, lines, schedule_in)
    full_clean_or_raise(invoice)
    invoice.save()
    _save_children(invoice, built, schedule)
    audit_record(actor=actor, instance=invoice, action=AuditAction.CREATE)
    return invoice


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
) -> Invoice:
    """Change a draft; what is given replaces what was there (lines and installments whole)."""
    invoice = _invoice_locked(actor, invoice_id, "change")
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(ReceivableError.NOT_DRAFT)
    before = audit_snapshot(invoice)
    if issue_date is not None:
        invoice.issue_date = issue_date
    if rate is not None:
        invoice.rate = _rate(invoice.currency, rate)
    if memo is not None:
        invoice.memo = memo
    current_lines = lines or [
        LineIn(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.discount_percent,
        )
        for line in invoice.lines.all()
    ]
    current_schedule = installments or [
        InstallmentIn(
            share=inst.share,
            due_rule=DueRule(inst.due_rule),
            due_days=inst.due_days,
            fixed_date=inst.due_date if inst.due_rule == DueRule.FIXED_DATE else None,
        )
        for inst in invoice.installments.all()
    ]
    built, schedule = _fill(invoice, current_lines, current_schedule)
    full_clean_or_raise(invoice)
    invoice.save()
    _save_children(invoice, built, schedule)
    audit_record(actor=actor, instance=invoice, action=AuditAction.UPDATE, before=before)
    return invoice


def _balance_add(
    *,
    customer_id: int,
    currency: str,
    receivable: Decimal = Decimal(0),
    advance: Decimal = Decimal(0),
) -> None:
    CustomerBalance.objects.get_or_create(customer_id=customer_id, currency=currency)
    CustomerBalance.objects.filter(customer_id=customer_id, currency=currency).update(
        receivable=F("receivable") + receivable, advance=F("advance") + advance
    )


@transaction.atomic
def invoice_issue(*, actor: User, invoice_id: int) -> Invoice:
    """Issue a draft: gapless number, open items, and Dr AR / Cr revenue + output VAT."""
    invoice = _invoice_locked(actor, invoice_id, "issue")
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(ReceivableError.NOT_DRAFT)
    before = audit_snapshot(invoice)
    base = base_currency()
    invoice.number = sequence_next(series=INVOICE_SERIES, year=invoice.issue_date.year)
    base_net, base_tax = split(invoice.base_total, [invoice.subtotal, invoice.tax_total], base)
    lines = [
        PostingLine(
            account_for_role(AccountRole.AR),
            invoice.total,
            invoice.currency,
            invoice.base_total,
            customer_id=invoice.customer_id,
        ),
        PostingLine(
            account_for_role(AccountRole.REVENUE), -invoice.subtotal, invoice.currency, -base_net
        ),
    ]
    if invoice.tax_total:
        lines.append(
            PostingLine(
                account_for_role(AccountRole.VAT_OUTPUT),
                -invoice.tax_total,
                invoice.currency,
                -base_tax,
            )
        )
    invoice.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=invoice.issue_date,
        reason=PostingReason.INVOICE_ISSUE,
        lines=lines,
        idempotency_key=f"invoice:{invoice.pk}:issue",
        source=invoice,
        memo=invoice.number,
    )
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.save()
    _balance_add(
        customer_id=invoice.customer_id, currency=invoice.currency, receivable=invoice.total
    )
    audit_record(actor=actor, instance=invoice, action=AuditAction.UPDATE, before=before)
    return invoice


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
) -> Payment:
    """Record money received: Dr bank / Cr advances (预收) until it is allocated."""
    require(actor, "add", Payment)
    customer = _customer(actor, customer_id)
    code = currency_check(currency or customer.currency)
    value = _exact(amount, code)
    if value <= 0:
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
    payment.journal_entry = journal_entry_post(
        actor=actor,
        entry_date=payment_date,
        reason=PostingReason.PAYMENT,
        lines=[
            PostingLine(account_for_role(AccountRole.BANK), value, code, base_amount),
            PostingLine(
                account_for_role(AccountRole.ADVANCE),
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
    return payment


def _invoice_status(invoice: Invoice) -> InvoiceStatus:
    if invoice.residual == 0:
        return InvoiceStatus.PAID
    if invoice.residual < invoice.total:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.ISSUED


def _apply(
    *,
    actor: User,
    payment: Payment,
    installment: Installment,
    amount: Decimal,
    allocation_date: date,
) -> Allocation:
    """Apply `amount` of a locked payment to a locked installment (all checks done here)."""
    invoice = installment.invoice
    if invoice.status not in OPEN_STATUSES:
        raise DomainError(ReceivableError.INSTALLMENT_NOT_OPEN)
    if invoice.customer_id != payment.customer_id:
        raise DomainError(ReceivableError.CUSTOMER_MISMATCH)
    if invoice.currency != payment.currency:
        raise DomainError(
            ReceivableError.CURRENCY_MISMATCH, payment=payment.currency, invoice=invoice.currency
        )
    value = _exact(amount, payment.currency)
    if value <= 0:
        raise DomainError(ReceivableError.AMOUNT_NOT_POSITIVE)
    if value > installment.residual:
        raise DomainError(
            ReceivableError.OVER_RESIDUAL, amount=value, residual=installment.residual
        )
    if value > payment.unapplied:
        raise DomainError(ReceivableError.OVER_UNAPPLIED, amount=value, unapplied=payment.unapplied)
    base = base_currency()
    # The last part of an item takes exactly what is left in base currency.
    invoice_base = (
        installment.base_residual
        if value == installment.residual
        else quantize(value * invoice.rate, base)
    )
    payment_base = (
        payment.base_unapplied
        if value == payment.unapplied
        else quantize(value * payment.rate, base)
    )
    allocation = Allocation.objects.create(
        installment=installment,
        payment=payment,
        kind=OpenItemKind.ALLOCATION,
        amount=value,
        base_amount=invoice_base,
        payment_base_amount=payment_base,
        date=allocation_date,
        created_by=actor,
    )
    lines = [
        PostingLine(
            account_for_role(AccountRole.ADVANCE),
            value,
            payment.currency,
            payment_base,
            customer_id=payment.customer_id,
        ),
        PostingLine(
            account_for_role(AccountRole.AR),
            -value,
            payment.currency,
            -invoice_base,
            customer_id=payment.customer_id,
        ),
    ]
    if payment_base != invoice_base:
        lines.append(
            PostingLine(
                account_for_role(AccountRole.FX),
                Decimal(0),
                payment.currency,
                invoice_base - payment_base,
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
        memo=f"{payment.number} → {invoice.number}",
    )
    allocation.save(update_fields=["journal_entry"])
    _move(installment, payment, value, invoice_base, payment_base)
    return allocation


def _move(
    installment: Installment,
    payment: Payment,
    value: Decimal,
    invoice_base: Decimal,
    payment_base: Decimal,
) -> None:
    """Keep the stored residuals and balances in step with an allocation row (+ or -)."""
    installment.residual -= value
    installment.base_residual -= invoice_base
    installment.save(update_fields=["residual", "base_residual"])
    payment.unapplied -= value
    payment.base_unapplied -= payment_base
    payment.save(update_fields=["unapplied", "base_unapplied"])
    invoice = installment.invoice
    invoice.residual -= value
    invoice.status = _invoice_status(invoice)
    invoice.save(update_fields=["residual", "status", "updated_at"])
    _balance_add(
        customer_id=payment.customer_id,
        currency=payment.currency,
        receivable=-value,
        advance=-value,
    )


def _payment_locked(actor: User, payment_id: int) -> Payment:
    require(actor, "allocate", Payment)
    return get_scoped(
        Payment.objects.all(),
        user=actor,
        action="allocate",
        pk=payment_id,
        lock=True,
        not_found=ReceivableError.PAYMENT_NOT_FOUND,
    )


def _installments_locked(ids: Sequence[int]) -> dict[int, Installment]:
    rows = (
        Installment.objects.select_for_update()
        .select_related("invoice")
        .filter(pk__in=sorted(ids))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


@transaction.atomic
def allocation_create(
    *,
    actor: User,
    payment_id: int,
    installment_id: int,
    amount: Decimal,
    allocation_date: date | None = None,
) -> Allocation:
    """Apply part of a payment to one installment (核销); partial is fine, over is refused."""
    payment = _payment_locked(actor, payment_id)
    installment = _installments_locked([installment_id]).get(installment_id)
    if installment is None or installment.invoice.customer_id != payment.customer_id:
        raise DomainError(ReceivableError.CUSTOMER_MISMATCH)
    return _apply(
        actor=actor,
        payment=payment,
        installment=installment,
        amount=amount,
        allocation_date=allocation_date or timezone.localdate(),
    )


@transaction.atomic
def payment_auto_allocate(
    *, actor: User, payment_id: int, allocation_date: date | None = None
) -> list[Allocation]:
    """Apply what is left of a payment to the customer's open items, oldest due first."""
    payment = _payment_locked(actor, payment_id)
    candidates = list(
        Installment.objects.filter(
            invoice__customer_id=payment.customer_id,
            invoice__currency=payment.currency,
            invoice__status__in=OPEN_STATUSES,
            residual__gt=0,
        )
        .order_by("due_date", "invoice__issue_date", "id")
        .values_list("pk", flat=True)
    )
    locked = _installments_locked(candidates)
    made = []
    for pk in candidates:
        if payment.unapplied == 0:
            break
        installment = locked[pk]
        made.append(
            _apply(
                actor=actor,
                payment=payment,
                installment=installment,
                amount=min(installment.residual, payment.unapplied),
                allocation_date=allocation_date or timezone.localdate(),
            )
        )
    return made


@transaction.atomic
def allocation_undo(*, actor: User, allocation_id: int) -> Allocation:
    """Un-apply an allocation: a negative row and the reversing entry; both stay visible."""
    original = Allocation.objects.filter(pk=allocation_id, kind=OpenItemKind.ALLOCATION).first()
    if original is None:
        raise DomainError(ReceivableError.ALLOCATION_NOT_FOUND)
    payment = _payment_locked(actor, original.payment_id)
    installment = _installments_locked([original.installment_id])[original.installment_id]
    if Allocation.objects.filter(undoes=original).exists():
        raise DomainError(ReceivableError.ALREADY_UNALLOCATED)
    undo_date = timezone.localdate()
    undo = Allocation.objects.create(
        installment=installment,
        payment=payment,
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
    _move(installment, payment, undo.amount, undo.base_amount, undo.payment_base_amount)
    return undo
