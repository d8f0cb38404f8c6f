"""The statement of account (对账单): what a customer owed, did, and owes, over a period.

Only documents that change what the customer owes net appear: invoices (debit), credit
notes and payments (credit), refunds and voided payments (debit: a payment recorded in
error is taken back on the day it was voided), write-offs and early-payment discounts
(credit; undoing one is a debit).  Applying a payment to an invoice moves money between
the customer's advances and receivables and changes nothing net, so it is not a line.
The closing balance equals receivables minus advances as of the end date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cashloop.core.errors import DomainError
from cashloop.core.money import currency_check
from cashloop.core.scoping import get_scoped, require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.receivables.choices import InvoiceStatus, OpenItemKind
from cashloop.receivables.errors import ReceivableError
from cashloop.receivables.models import Allocation, CreditNote, Invoice, Payment, Refund


@dataclass(frozen=True)
class StatementLine:
    date: date
    kind: str
    number: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = Decimal(0)


@dataclass
class Statement:
    customer: Customer
    currency: str
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))


def _documents(customer: Customer, currency: str, until: date) -> list[StatementLine]:
    """Every net-changing document of the customer in `currency` dated on or before `until`."""
    found: list[StatementLine] = []
    invoices = Invoice.objects.filter(
        customer=customer, currency=currency, issue_date__lte=until
    ).exclude(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED])
    for inv in invoices:
        found.append(
            StatementLine(inv.issue_date, _("Invoice"), inv.number, inv.memo, inv.total, Decimal(0))
        )
    for note in CreditNote.objects.filter(customer=customer, currency=currency, date__lte=until):
        found.append(
            StatementLine(
                note.date, _("Credit note"), note.number, note.reason, Decimal(0), note.amount
            )
        )
    for pay in Payment.objects.filter(customer=customer, currency=currency, date__lte=until):
        text = " ".join(filter(None, [pay.get_method_display(), pay.bank_reference]))
        found.append(
            StatementLine(pay.date, _("Payment"), pay.number, text, Decimal(0), pay.amount)
        )
    voided = Payment.objects.filter(
        customer=customer, currency=currency, voided_on__isnull=False, voided_on__lte=until
    )
    for pay in voided:
        assert pay.voided_on is not None
        found.append(
            StatementLine(
                pay.voided_on,
                _("Payment voided"),
                pay.number,
                pay.void_memo,
                pay.amount,
                Decimal(0),
            )
        )
    refunds = Refund.objects.filter(
        payment__customer=customer, payment__currency=currency, date__lte=until
    ).select_related("payment")
    for refund in refunds:
        found.append(
            StatementLine(
                refund.date,
                _("Refund"),
                refund.payment.number,
                refund.memo,
                refund.amount,
                Decimal(0),
            )
        )
    settled = (
        Allocation.objects.filter(
            installment__invoice__customer=customer,
            installment__invoice__currency=currency,
            date__lte=until,
        )
        .filter(
            kind__in=[OpenItemKind.WRITE_OFF, OpenItemKind.DISCOUNT, OpenItemKind.UNALLOCATION],
            payment__isnull=True,
            credit_note__isnull=True,
        )
        .select_related("installment__invoice")
    )
    for row in settled:
        number = row.installment.invoice.number
        if row.amount > 0:
            found.append(
                StatementLine(
                    row.date, row.get_kind_display(), number, row.reason, Decimal(0), row.amount
                )
            )
        else:
            found.append(
                StatementLine(row.date, _("Reversed"), number, row.reason, -row.amount, Decimal(0))
            )
    found.sort(key=lambda line: (line.date, line.number))
    return found


def statement_get(
    *, user: User, customer_id: int, start: date, end: date, currency: str | None = None
) -> Statement:
    """The statement of a customer the user may see, for [start, end] in one currency."""
    require(user, "view", Invoice)
    if start > end:
        raise DomainError(ReceivableError.STATEMENT_PERIOD)
    customer = get_scoped(
        Customer.objects.all(),
        user=user,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    return statement_of(customer, start=start, end=end, currency=currency)


def statement_of(
    customer: Customer, *, start: date, end: date, currency: str | None = None
) -> Statement:
    """The statement of `customer`, unscoped: for the system's own mail (dunning reminders)."""
    code = currency_check(currency or customer.currency)
    documents = _documents(customer, code, end)
    opening = sum((line.debit - line.credit for line in documents if line.date < start), Decimal(0))
    statement = Statement(customer=customer, currency=code, start=start, end=end, opening=opening)
    balance = opening
    for line in documents:
        if line.date < start:
            continue
        balance += line.debit - line.credit
        statement.lines.append(
            StatementLine(
                line.date,
                line.kind,
                line.number,
                line.description,
                line.debit,
                line.credit,
                balance,
            )
        )
    return statement


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a PDF (WeasyPrint), in the active language, with the company's name."""
    import weasyprint  # imported here: only PDF downloads need it

    html = render_to_string(
        "receivables/statement_pdf.html",
        {"statement": statement, "printed_at": timezone.localtime()},
    )
    return weasyprint.HTML(string=html).write_pdf()


def default_period(today: date | None = None) -> tuple[date, date]:
    """The current month up to today: what a customer asking for a statement usually means."""
    today = today or timezone.localdate()
    return today.replace(day=1), today
