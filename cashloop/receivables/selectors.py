"""Reads of receivables, always through `restrict(user, action)`.

The API, the pages and the customer page's money section all call these, so no path
shows more than another.  Invoices, payments and credit notes follow their customer's
owner and team (`customer__owner`, `customer__team`); installments, allocations and
refunds are reached through the invoice or payment they belong to.

Journal entries are shown beside a document only to those who may read the ledger
(`ledger.journalentry` view): the others see the documents and the open-item rows, as
the ledger's own selectors decide.

"Overdue" is computed, never stored: an issued or partly paid invoice with an
installment still open (residual above zero) whose due date is before today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from cashloop.core.audit import audit_history
from cashloop.core.errors import DomainError
from cashloop.core.fieldrules import match_shown
from cashloop.core.models import AuditEntry
from cashloop.core.scoping import get_scoped, may, require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.identity.models import User
from cashloop.ledger.models import JournalEntry
from cashloop.receivables.choices import HeldPostingKind, HoldStatus, InvoiceStatus, OpenItemKind
from cashloop.receivables.einvoice import invoice_xml
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
from cashloop.receivables.services import OPEN_STATUSES, discount_due

UNDOABLE_KINDS = (OpenItemKind.ALLOCATION, OpenItemKind.CREDIT)


# --- invoices ----------------------------------------------------------------------------


def _overdue_items(today: date) -> QuerySet[Installment, dict[str, Any]]:
    return Installment.objects.filter(
        invoice=OuterRef("pk"), residual__gt=0, due_date__lt=today
    ).values("pk")


def _with_due(qs: QuerySet[Invoice], today: date) -> QuerySet[Invoice]:
    """Annotate `next_due` (earliest open due date) and `is_overdue` (as of `today`)."""
    next_due = (
        Installment.objects.filter(invoice=OuterRef("pk"), residual__gt=0)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return qs.annotate(
        next_due=Subquery(next_due),
        is_overdue=Case(
            When(Q(status__in=OPEN_STATUSES) & Exists(_overdue_items(today)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def invoice_list(
    *,
    user: User,
    status: str = "",
    customer_id: int | None = None,
    q: str = "",
    overdue_only: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    currency: str = "",
    today: date | None = None,
    action: str = "view",
) -> QuerySet[Invoice]:
    """Invoices the user may see, newest first, with `next_due` and `is_overdue`.

    `q` matches the number and the customer's name and code; the dates bound the invoice
    date; `overdue_only` keeps open invoices with an installment past due today.
    """
    today = today or timezone.localdate()
    qs = Invoice.objects.restrict(user, action)
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if q := q.strip():
        clauses = [
            ("number", Q(number__icontains=q)),
            ("customer__name", Q(customer__name__icontains=q)),
            ("customer__code", Q(customer__code__iexact=q)),
        ]
        qs = qs.filter(match_shown(user, Invoice, clauses))
    if date_from is not None:
        qs = qs.filter(issue_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(issue_date__lte=date_to)
    if currency:
        qs = qs.filter(currency=currency.upper())
    if overdue_only:
        qs = qs.filter(Exists(_overdue_items(today)), status__in=OPEN_STATUSES)
    return _with_due(qs.select_related("customer"), today).order_by("-issue_date", "-id")


def _entries_visible(user: User, entry_ids: Iterable[int | None]) -> list[JournalEntry]:
    """The journal entries among `entry_ids`, if the user may read the ledger."""
    ids = {pk for pk in entry_ids if pk is not None}
    if not ids or not may(user, "view", JournalEntry):
        return []
    return list(
        JournalEntry.objects.filter(pk__in=ids)
        .select_related("reverses", "reversed_by")
        .order_by("date", "id")
    )


def _allocation_rows(qs: QuerySet[Allocation]) -> list[Allocation]:
    rows = list(
        qs.select_related(
            "installment__invoice",
            "payment",
            "credit_note",
            "journal_entry",
            "undoes",
            "undone_by",
            "created_by",
        ).order_by("created_at", "id")
    )
    for row in rows:
        row.is_undone = getattr(row, "undone_by", None) is not None
        row.can_be_undone = row.kind in UNDOABLE_KINDS and not row.is_undone
    return rows


def _mark_installments(invoice: Invoice, today: date) -> list[Installment]:
    items = list(invoice.installments.all())
    is_open = invoice.status in OPEN_STATUSES
    for item in items:
        item.invoice = invoice
        item.is_overdue = is_open and item.residual > 0 and item.due_date < today
        item.is_open = is_open and item.residual > 0
    invoice.is_overdue = any(item.is_overdue for item in items)
    return items


def invoice_get(
    *, user: User, invoice_id: int, action: str = "view", today: date | None = None
) -> Invoice:
    """One invoice with lines, installments, open-item rows, credit notes and entries.

    Attached: `installment_rows` (each with `is_overdue`, `is_open`), `allocation_rows`
    (each with its payment or credit note, `is_undone`, `can_be_undone`), `credit_note_rows`
    and `entries` (the issue entry, the credit notes' and every open-item row's entry,
    for those who may read the ledger).  Out of scope or missing: `invoice.not_found`.
    """
    today = today or timezone.localdate()
    invoice = get_scoped(
        Invoice.objects.select_related("customer", "customer__owner", "created_by")
        .prefetch_related(
            "lines", Prefetch("installments", Installment.objects.order_by("sequence"))
        )
        .prefetch_related(Prefetch("credit_notes", CreditNote.objects.order_by("date", "id"))),
        user=user,
        action=action,
        pk=invoice_id,
        not_found=ReceivableError.INVOICE_NOT_FOUND,
    )
    invoice.installment_rows = _mark_installments(invoice, today)
    invoice.allocation_rows = _allocation_rows(
        Allocation.objects.filter(installment__invoice=invoice)
    )
    invoice.credit_note_rows = list(invoice.credit_notes.all())
    invoice.entries = _entries_visible(
        user,
        [
            invoice.journal_entry_id,
            *(note.journal_entry_id for note in invoice.credit_note_rows),
            *(row.journal_entry_id for row in invoice.allocation_rows),
        ],
    )
    return invoice


def invoice_history(*, user: User, invoice_id: int) -> QuerySet[AuditEntry]:
    """The audit trail of an invoice the user may see (newest first)."""
    invoice = get_scoped(
        Invoice.objects.all(),
        user=user,
        action="view",
        pk=invoice_id,
        not_found=ReceivableError.INVOICE_NOT_FOUND,
    )
    return audit_history(instance=invoice)


def installment_get(*, user: User, installment_id: int, action: str = "view") -> Installment:
    """One installment of an invoice the user may act on, or `invoice.not_found`."""
    require(user, action, Invoice)
    item = (
        Installment.objects.filter(
            pk=installment_id, invoice__in=Invoice.objects.restrict(user, action)
        )
        .select_related("invoice", "invoice__customer")
        .first()
    )
    if item is None:
        raise DomainError(ReceivableError.INVOICE_NOT_FOUND)
    return item


def allocation_get(*, user: User, allocation_id: int) -> Allocation:
    """One open-item row of an invoice the user may see, or `allocation.not_found`."""
    require(user, "view", Invoice)
    row = (
        Allocation.objects.filter(
            pk=allocation_id,
            installment__invoice__in=Invoice.objects.restrict(user, "view"),
        )
        .select_related("installment__invoice", "payment", "credit_note", "undone_by")
        .first()
    )
    if row is None:
        raise DomainError(ReceivableError.ALLOCATION_NOT_FOUND)
    return row


# --- what a payment or a credit note could settle -----------------------------------------


@dataclass
class Suggestion:
    """An open installment a source could settle, with the amount to put against it.

    `payable` is what settles it on `on`: its residual, less the early-payment discount
    when that is still to be earned on that date.  `suggested` fills the source's unapplied
    amount oldest due first (what the form pre-fills; 0 once the money runs out).
    """

    installment: Installment
    residual: Decimal
    discount: Decimal
    payable: Decimal
    suggested: Decimal
    is_overdue: bool

    @property
    def invoice(self) -> Invoice:
        return self.installment.invoice


def open_installments(
    *, user: User, customer_id: int, currency: str | None = None
) -> QuerySet[Installment]:
    """Open items of a customer the user may see, oldest due first (as auto-allocation)."""
    qs = Installment.objects.filter(
        invoice__in=Invoice.objects.restrict(user, "view"),
        invoice__customer_id=customer_id,
        invoice__status__in=OPEN_STATUSES,
        residual__gt=0,
    )
    if currency:
        qs = qs.filter(invoice__currency=currency)
    return (
        qs.select_related("invoice")
        .annotate(
            discount_taken=Exists(
                Allocation.objects.filter(
                    installment=OuterRef("pk"),
                    kind=OpenItemKind.DISCOUNT,
                    undone_by__isnull=True,
                )
            )
        )
        .order_by("due_date", "invoice__issue_date", "id")
    )


def suggestions(
    *, user: User, source: Payment | CreditNote, on: date | None = None, limit: int = 50
) -> list[Suggestion]:
    """The customer's open items in the source's currency, oldest due first, pre-filled."""
    on = on or timezone.localdate()
    left = source.unapplied
    rows = []
    items = open_installments(user=user, customer_id=source.customer_id, currency=source.currency)
    for item in items[:limit]:
        discount = discount_due(item, on, earned=item.discount_taken)
        payable = item.residual - discount
        suggested = max(min(payable, left), Decimal(0))
        left -= suggested
        rows.append(
            Suggestion(
                installment=item,
                residual=item.residual,
                discount=discount,
                payable=payable,
                suggested=suggested,
                is_overdue=item.due_date < timezone.localdate(),
            )
        )
    return rows


# --- payments ----------------------------------------------------------------------------


def payment_list(
    *,
    user: User,
    customer_id: int | None = None,
    q: str = "",
    currency: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    unapplied_only: bool = False,
    action: str = "view",
) -> QuerySet[Payment]:
    """Payments the user may see, newest first; `q` matches number, reference, payer, customer."""
    qs = Payment.objects.restrict(user, action)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if q := q.strip():
        clauses = [
            ("number", Q(number__icontains=q)),
            ("bank_reference", Q(bank_reference__icontains=q)),
            ("payer_name", Q(payer_name__icontains=q)),
            ("customer__name", Q(customer__name__icontains=q)),
            ("customer__code", Q(customer__code__iexact=q)),
        ]
        qs = qs.filter(match_shown(user, Payment, clauses))
    if currency:
        qs = qs.filter(currency=currency.upper())
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    if unapplied_only:
        qs = qs.filter(unapplied__gt=0)
    return qs.select_related("customer").order_by("-date", "-id")


def payment_get(*, user: User, payment_id: int, on: date | None = None) -> Payment:
    """One payment with `allocation_rows`, `refund_rows`, `suggestion_rows` and `entries`.

    A voided payment suggests nothing: it can be applied to nothing any more.
    """
    payment = get_scoped(
        Payment.objects.select_related("customer", "created_by", "void_entry"),
        user=user,
        action="view",
        pk=payment_id,
        not_found=ReceivableError.PAYMENT_NOT_FOUND,
    )
    payment.allocation_rows = _allocation_rows(Allocation.objects.filter(payment=payment))
    payment.refund_rows = list(
        Refund.objects.filter(payment=payment)
        .select_related("created_by", "journal_entry")
        .order_by("date", "id")
    )
    payment.suggestion_rows = (
        [] if payment.is_voided else suggestions(user=user, source=payment, on=on)
    )
    payment.entries = _entries_visible(
        user,
        [
            payment.journal_entry_id,
            *(row.journal_entry_id for row in payment.allocation_rows),
            *(refund.journal_entry_id for refund in payment.refund_rows),
            payment.void_entry_id,
        ],
    )
    return payment


# --- credit notes -------------------------------------------------------------------------


def credit_note_list(
    *,
    user: User,
    customer_id: int | None = None,
    invoice_id: int | None = None,
    q: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    unapplied_only: bool = False,
    action: str = "view",
) -> QuerySet[CreditNote]:
    """Credit notes the user may see, newest first; `q` matches numbers, reason, customer."""
    qs = CreditNote.objects.restrict(user, action)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if invoice_id is not None:
        qs = qs.filter(invoice_id=invoice_id)
    if q := q.strip():
        clauses = [
            ("number", Q(number__icontains=q)),
            ("invoice__number", Q(invoice__number__icontains=q)),
            ("reason", Q(reason__icontains=q)),
            ("customer__name", Q(customer__name__icontains=q)),
        ]
        qs = qs.filter(match_shown(user, CreditNote, clauses))
    if date_from is not None:
        qs = qs.filter(date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(date__lte=date_to)
    if unapplied_only:
        qs = qs.filter(unapplied__gt=0)
    return qs.select_related("customer", "invoice").order_by("-date", "-id")


def credit_note_get(*, user: User, credit_note_id: int, on: date | None = None) -> CreditNote:
    """One credit note with `allocation_rows`, `suggestion_rows` and `entries`."""
    note = get_scoped(
        CreditNote.objects.select_related("customer", "invoice", "created_by"),
        user=user,
        action="view",
        pk=credit_note_id,
        not_found=ReceivableError.CREDIT_NOTE_NOT_FOUND,
    )
    note.allocation_rows = _allocation_rows(Allocation.objects.filter(credit_note=note))
    note.suggestion_rows = suggestions(user=user, source=note, on=on)
    note.entries = _entries_visible(
        user, [note.journal_entry_id, *(row.journal_entry_id for row in note.allocation_rows)]
    )
    return note


# --- a customer's money -------------------------------------------------------------------


@dataclass
class BalanceRow:
    currency: str
    receivable: Decimal
    advance: Decimal

    @property
    def net(self) -> Decimal:
        return self.receivable - self.advance


@dataclass
class CustomerMoney:
    """What a customer owes and has paid ahead, per currency, and what is open."""

    customer: Customer
    balances: list[BalanceRow] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    open_items: list[Installment] = field(default_factory=list)
    open_count: int = 0
    drafts: list[Invoice] = field(default_factory=list)

    @property
    def customer_id(self) -> int:
        return int(self.customer.pk)

    @property
    def advances(self) -> list[Any]:
        """Payments and credit notes with money still to apply, oldest first."""
        return sorted([*self.payments, *self.credit_notes], key=lambda doc: (doc.date, doc.pk))


def customer_money(
    *, user: User, customer: Customer, limit: int = 20, today: date | None = None
) -> CustomerMoney | None:
    """The money section of a customer the caller already may see; None without AR rights.

    Balances come from `CustomerBalance` (kept with every posting, proven by verify):
    receivable is what open items add up to, advance what payments and credit notes still
    hold; net = receivable - advance.  Open items are the first `limit`, oldest due first.
    """
    if not may(user, "view", Invoice):
        return None
    today = today or timezone.localdate()
    money = CustomerMoney(customer=customer)
    money.balances = [
        BalanceRow(row.currency, row.receivable, row.advance)
        for row in CustomerBalance.objects.filter(customer=customer).order_by("currency")
        if row.receivable or row.advance
    ]
    money.payments = list(
        Payment.objects.restrict(user, "view")
        .filter(customer=customer, unapplied__gt=0)
        .order_by("date", "id")
    )
    money.credit_notes = list(
        CreditNote.objects.restrict(user, "view")
        .filter(customer=customer, unapplied__gt=0)
        .order_by("date", "id")
    )
    items = open_installments(user=user, customer_id=customer.pk)
    money.open_items = list(items[: limit + 1])
    money.open_count = len(money.open_items) if len(money.open_items) <= limit else items.count()
    money.open_items = money.open_items[:limit]
    for item in money.open_items:
        item.is_overdue = item.due_date < today
    money.drafts = list(
        Invoice.objects.restrict(user, "view")
        .filter(customer=customer, status=InvoiceStatus.DRAFT)
        .order_by("-issue_date", "-id")[:limit]
    )
    return money


def customer_balance_get(*, user: User, customer_id: int) -> CustomerMoney:
    """`customer_money` by id: `customer.not_found` out of scope, 403 without AR rights."""
    customer = get_scoped(
        Customer.objects.all(),
        user=user,
        action="view",
        pk=customer_id,
        not_found=CustomerError.NOT_FOUND,
    )
    require(user, "view", Invoice)
    money = customer_money(user=user, customer=customer)
    assert money is not None
    return money


def held_posting_pending(
    *, user: User, invoice_id: int | None = None, customer_id: int | None = None
) -> list[HeldPosting]:
    """Write-offs, credit notes and sales waiting for approval, of an invoice or a customer.

    They are seen as the invoices are: the caller has fetched the invoice or customer
    through its own scoped selector, so only the right to read invoices is checked here.
    """
    if not may(user, "view", Invoice):
        return []
    holds = HeldPosting.objects.filter(status=HoldStatus.PENDING)
    if invoice_id is not None:
        holds = holds.filter(invoice_id=invoice_id)
    if customer_id is not None:
        holds = holds.filter(customer_id=customer_id)
    holds = holds.select_related("invoice", "installment", "requested_by")
    return list(holds.order_by("created_at", "pk"))


def sale_rejection(*, invoice_id: int) -> HeldPosting | None:
    """The last decision on a draft non-contract sale, when it was a rejection.

    The caller fetched the invoice through its scoped selector; this only reads its hold.
    """
    last = (
        HeldPosting.objects.filter(invoice_id=invoice_id, kind=HeldPostingKind.NON_CONTRACT_SALE)
        .order_by("-created_at", "-pk")
        .first()
    )
    return last if last is not None and last.status == HoldStatus.REJECTED else None


# --- e-invoices (decision 058) ---------------------------------------------------------------


def invoicing_profile() -> InvoicingProfile | None:
    """The seller details invoices carry; None until someone saved them."""
    return InvoicingProfile.objects.order_by("pk").first()


def invoice_einvoice(*, user: User, invoice_id: int) -> tuple[Invoice, bytes]:
    """An issued invoice the user may see, and its UBL XML (`einvoice.invoice_xml`)."""
    invoice = get_scoped(
        Invoice.objects.select_related("customer").prefetch_related(
            Prefetch("lines", InvoiceLine.objects.select_related("contract_line__contract")),
            Prefetch("installments", Installment.objects.order_by("sequence")),
        ),
        user=user,
        action="view",
        pk=invoice_id,
        not_found=ReceivableError.INVOICE_NOT_FOUND,
    )
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise DomainError(ReceivableError.EINVOICE_NOT_ISSUED)
    seller = invoicing_profile()
    if seller is None:
        raise DomainError(ReceivableError.EINVOICE_NO_SELLER)
    return invoice, invoice_xml(invoice, seller)
