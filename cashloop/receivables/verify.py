"""Checks of receivables for `cashloop verify`.

Each stored figure is recomputed from the rows beneath it: installment residuals from
their allocation rows, invoice residuals from installments, payments' unapplied amounts
from their rows, customer balances from both, and the AR and advances control accounts
from the journal, per customer and currency, in document and in base currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, Model, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Round

from cashloop.core.verify import LIMIT, MONEY, CheckResult, money_exact, money_sum, sequence_gaps
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import JournalLine
from cashloop.receivables.choices import InvoiceStatus
from cashloop.receivables.models import (
    Allocation,
    CreditNote,
    CustomerBalance,
    Installment,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
)
from cashloop.receivables.services import (
    CREDIT_NOTE_SERIES,
    INVOICE_SERIES,
    OPEN_STATUSES,
    PAYMENT_SERIES,
)

# Drafts and cancelled drafts were never issued: no number, no entry, no open items.
UNISSUED = [InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED]


def installments_match_their_rows() -> CheckResult:
    rows = Installment.objects.exclude(invoice__status__in=UNISSUED).annotate(
        applied=money_sum("allocations__amount"),
        applied_base=money_sum("allocations__base_amount"),
    )
    result = CheckResult("installment residuals = amount - allocations", checked=rows.count())
    off = rows.exclude(
        residual=money_exact(F("amount") - F("applied")),
        base_residual=money_exact(F("base_amount") - F("applied_base")),
    )
    for inst in off.select_related("invoice")[:LIMIT]:
        result.problems.append(
            f"{inst.invoice} #{inst.sequence}: residual {inst.residual}, "
            f"rows say {inst.amount - inst.applied}"
        )
    negative = Installment.objects.filter(Q(residual__lt=0) | Q(residual__gt=F("amount")))
    for inst in negative.select_related("invoice")[:LIMIT]:
        result.problems.append(
            f"{inst.invoice} #{inst.sequence}: residual {inst.residual} out of range"
        )
    return result


def _summed(model: type[Model], link: str, field: str) -> Round:
    """Per outer row, the exact sum of `field` over `model` rows whose `link` is that row.

    A correlated subquery rather than a join, so that summing lines and installments of the
    same invoice does not multiply one by the other, and the whole check stays one query.
    """
    rows = (
        model._default_manager.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(total=Sum(field))
        .values("total")
    )
    return money_exact(Coalesce(Subquery(rows, output_field=MONEY), Value(0, output_field=MONEY)))


def _problems(result: CheckResult, off: QuerySet, say: Callable[[Any], str]) -> CheckResult:
    for row in off[:LIMIT]:
        result.problems.append(say(row))
    return result


def invoices_match_their_parts() -> CheckResult:
    invoices = Invoice.objects.annotate(
        lines_total=_summed(InvoiceLine, "invoice", "total"),
        installments_total=_summed(Installment, "invoice", "amount"),
        installments_residual=_summed(Installment, "invoice", "residual"),
    )
    result = CheckResult("invoice totals and residuals", checked=Invoice.objects.count())
    off = invoices.filter(
        ~Q(total=F("lines_total"))
        | ~Q(total=F("installments_total"))
        | (~Q(status__in=UNISSUED) & ~Q(residual=F("installments_residual")))
    ).order_by("pk")
    return _problems(
        result,
        off,
        lambda inv: (
            f"{inv}: total {inv.total}, lines {inv.lines_total}, installments "
            f"{inv.installments_total}; residual {inv.residual}, installments "
            f"{inv.installments_residual}"
        ),
    )


def _if_voided(field: str) -> Case:
    """A voided payment gives back its whole amount (its entry is reversed, decision 046)."""
    return Case(When(voided_on__isnull=False, then=F(field)), default=Value(0), output_field=MONEY)


def credits_match_their_rows() -> CheckResult:
    """Payments and credit notes: unapplied = amount - allocations (- refunds, - a void).

    A voided payment has its void's entry, and that entry reverses the payment's own.
    """
    result = CheckResult(
        "payment and credit unapplied = amount - allocations - refunds - void",
        checked=Payment.objects.count() + CreditNote.objects.count(),
    )
    payments = Payment.objects.annotate(
        applied=_summed(Allocation, "payment", "amount"),
        applied_base=_summed(Allocation, "payment", "payment_base_amount"),
        back=money_exact(_summed(Refund, "payment", "amount") + _if_voided("amount")),
        back_base=money_exact(
            _summed(Refund, "payment", "base_amount") + _if_voided("base_amount")
        ),
    )
    badly_voided = Payment.objects.filter(voided_on__isnull=False).exclude(
        void_entry__reverses_id=F("journal_entry_id")
    )
    for payment in badly_voided.order_by("pk")[:LIMIT]:
        result.problems.append(
            f"{payment}: voided, but entry {payment.void_entry_id} does not reverse its entry "
            f"{payment.journal_entry_id}"
        )
    notes = CreditNote.objects.annotate(
        applied=_summed(Allocation, "credit_note", "amount"),
        applied_base=_summed(Allocation, "credit_note", "payment_base_amount"),
        back=Value(0, output_field=MONEY),
        back_base=Value(0, output_field=MONEY),
    )
    for sources in (payments, notes):
        off = sources.filter(
            ~Q(unapplied=money_exact(F("amount") - F("applied") - F("back")))
            | ~Q(base_unapplied=money_exact(F("base_amount") - F("applied_base") - F("back_base")))
            | Q(unapplied__lt=0)
            | Q(journal_entry=None)
        ).order_by("pk")
        _problems(
            result,
            off,
            lambda source: (
                f"{source}: unapplied {source.unapplied}, rows say "
                f"{source.amount - source.applied - source.back}; entry {source.journal_entry_id}"
            ),
        )
    return result


def _open_items() -> dict[tuple[int, str], list[Decimal]]:
    """(customer, currency) -> [receivable, base receivable, advance, base advance]."""
    found: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for row in (
        Installment.objects.filter(
            invoice__status__in=[*OPEN_STATUSES, InvoiceStatus.PAID, InvoiceStatus.WRITTEN_OFF]
        )
        .values("invoice__customer_id", "invoice__currency")
        .annotate(r=money_sum("residual"), b=money_sum("base_residual"))
    ):
        key = (row["invoice__customer_id"], row["invoice__currency"])
        found[key][0] += row["r"]
        found[key][1] += row["b"]
    for model in (Payment, CreditNote):
        for row in model.objects.values("customer_id", "currency").annotate(
            a=money_sum("unapplied"), b=money_sum("base_unapplied")
        ):
            key = (row["customer_id"], row["currency"])
            found[key][2] += row["a"]
            found[key][3] += row["b"]
    return found


def balances_match_open_items() -> CheckResult:
    items = _open_items()
    stored = {(b.customer_id, b.currency): b for b in CustomerBalance.objects.all()}
    result = CheckResult("customer balances = open items", checked=len(stored))
    for key in sorted(set(items) | set(stored)):
        receivable, _, advance, _ = items.get(key, [Decimal(0)] * 4)
        balance = stored.get(key)
        if (balance.receivable if balance else 0) != receivable or (
            balance.advance if balance else 0
        ) != advance:
            result.problems.append(
                f"customer {key[0]} {key[1]}: stored {balance and balance.receivable}/"
                f"{balance and balance.advance}, open items {receivable}/{advance}"
            )
    return result


def control_accounts_match_open_items() -> CheckResult:
    """AR and advances in the journal equal the open items, per customer and currency."""
    items = _open_items()
    ledger: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    lines = (
        JournalLine.objects.filter(account__role__in=[AccountRole.AR, AccountRole.ADVANCE])
        .exclude(customer=None)
        .values("customer_id", "currency", "account__role")
        .annotate(a=money_sum("amount"), b=money_sum("base_amount"))
    )
    for row in lines:
        key = (row["customer_id"], row["currency"])
        if row["account__role"] == AccountRole.AR:
            ledger[key][0] += row["a"]
            ledger[key][1] += row["b"]
        else:  # advances are credits: a positive advance is a negative balance
            ledger[key][2] -= row["a"]
            ledger[key][3] -= row["b"]
    result = CheckResult("AR and advances accounts = open items", checked=len(items))
    for key in sorted(set(items) | set(ledger)):
        mine = items.get(key, [Decimal(0)] * 4)
        theirs = ledger.get(key, [Decimal(0)] * 4)
        if mine != theirs:
            result.problems.append(
                f"customer {key[0]} {key[1]}: open items {mine}, journal {theirs}"
            )
        if len(result.problems) >= LIMIT:
            break
    return result


def documents_have_entries_and_numbers() -> CheckResult:
    """Every issued invoice has its entry; invoice and receipt numbers have no gaps."""
    issued = Invoice.objects.exclude(status__in=UNISSUED)
    result = CheckResult("issued documents have entries; numbers have no gaps", issued.count())
    for invoice in issued.filter(Q(journal_entry=None) | Q(number=""))[:LIMIT]:
        result.problems.append(f"invoice #{invoice.pk} is issued without entry or number")
    series_models = (
        (INVOICE_SERIES, Invoice),
        (PAYMENT_SERIES, Payment),
        (CREDIT_NOTE_SERIES, CreditNote),
    )
    for series, model in series_models:
        result.problems += sequence_gaps(series, model, "documents")
    return result


def lines_are_exact() -> CheckResult:
    """Each line's total is its net plus tax (the invoice sums are checked above)."""
    lines = InvoiceLine.objects.all()
    result = CheckResult("invoice lines add up", checked=lines.count())
    off = lines.exclude(total=money_exact(F("net") + F("tax")))
    for line in off.select_related("invoice")[:LIMIT]:
        result.problems.append(f"{line.invoice} line {line.position}: {line.total} ≠ net + tax")
    undone = Allocation.objects.filter(undoes__isnull=False).exclude(amount=-F("undoes__amount"))
    for row in undone[:LIMIT]:
        result.problems.append(f"un-allocation {row.pk} does not mirror {row.undoes_id}")
    return result


CHECKS = [
    installments_match_their_rows,
    invoices_match_their_parts,
    credits_match_their_rows,
    balances_match_open_items,
    control_accounts_match_open_items,
    documents_have_entries_and_numbers,
    lines_are_exact,
]
