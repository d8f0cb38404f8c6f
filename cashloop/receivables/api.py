"""Receivables endpoints under /api/v1/receivables: invoices, credit notes, payments,
allocations (核销), write-offs, a customer's balance, and invoices as e-invoices (UBL) with
the company's invoicing details.

Every write goes through `receivables.services`; every read through `selectors`, so the
API shows and does exactly what the pages do.  POSTs that create money accept an
`Idempotency-Key` header (see `core.idempotency`): a retry replays the first answer.
Amounts are decimal strings (see `schemas.py`).
"""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from cashloop.core.pagination import paginated
from cashloop.core.schemas import AuditEntryOut
from cashloop.core.scoping import require
from cashloop.customfields.selectors import custom_filtered
from cashloop.receivables import einvoice, selectors, services
from cashloop.receivables.models import HeldPosting, Invoice
from cashloop.receivables.schemas import (
    AllocationIn,
    AllocationOut,
    AutoAllocateIn,
    CreditNoteDetailOut,
    CreditNoteFilter,
    CreditNoteIn,
    CreditNoteOut,
    CustomerMoneyOut,
    HeldPostingOut,
    InvoiceBatchIn,
    InvoiceDetailOut,
    InvoiceFilter,
    InvoiceIn,
    InvoiceIssueBatchIn,
    InvoiceOut,
    InvoicePatch,
    InvoicingProfileIn,
    InvoicingProfileOut,
    PaymentDetailOut,
    PaymentFilter,
    PaymentIn,
    PaymentOut,
    RefundIn,
    RefundOut,
    StatementOut,
    WriteOffIn,
)
from cashloop.receivables.statement import default_period, statement_get, statement_pdf
from cashloop.web.files import attachment

router = Router(tags=["receivables"])


# --- invoices ----------------------------------------------------------------------------


@router.get("/invoices", response=list[InvoiceOut])
@paginated(
    sorts=("issue_date", "number", "total", "residual", "next_due", "created_at"),
    default="-issue_date",
)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilter]) -> Any:
    data = filters.dict()
    data["status"] = data["status"] or ""
    rows = selectors.invoice_list(user=request.user, **data)
    return custom_filtered(rows, user=request.user, params=request.GET)


@router.post("/invoices", response={201: InvoiceDetailOut})
def invoice_create(request: HttpRequest, payload: InvoiceIn) -> Any:
    """Create a draft; nothing is posted until it is issued."""
    (invoice,) = services.invoice_create_many(actor=request.user, invoices=[payload.to_service()])
    return Status(201, selectors.invoice_get(user=request.user, invoice_id=invoice.pk))


@router.post("/invoices/batch", response={201: list[InvoiceOut]})
def invoice_create_batch(request: HttpRequest, payload: InvoiceBatchIn) -> Any:
    """Create up to 500 drafts at once (e.g. a month's billing from another system)."""
    invoices = services.invoice_create_many(
        actor=request.user, invoices=[draft.to_service() for draft in payload.invoices]
    )
    return Status(201, _listed(request, [invoice.pk for invoice in invoices]))


@router.post("/invoices/issue", response=list[InvoiceOut])
def invoice_issue_batch(request: HttpRequest, payload: InvoiceIssueBatchIn) -> Any:
    """Issue up to 1,000 drafts at once, numbered in order of invoice date; all or none."""
    invoices = services.invoice_issue_many(actor=request.user, invoice_ids=payload.invoice_ids)
    return _listed(request, [invoice.pk for invoice in invoices])


def _listed(request: HttpRequest, ids: list[int]) -> list[Any]:
    """The invoices as the list shows them, in the order of `ids`."""
    rows = selectors.invoice_list(user=request.user).in_bulk(ids)
    return [rows[pk] for pk in ids]


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut)
def invoice_detail(request: HttpRequest, invoice_id: int) -> Any:
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


@router.patch("/invoices/{invoice_id}", response=InvoiceDetailOut)
def invoice_update(request: HttpRequest, invoice_id: int, payload: InvoicePatch) -> Any:
    """Change a draft (an issued invoice answers 409 `invoice.not_draft`)."""
    data = payload.dict(exclude_unset=True)
    if data.get("lines") is not None:
        data["lines"] = [line.to_service() for line in payload.lines or []]
    if data.get("installments") is not None:
        data["installments"] = [item.to_service() for item in payload.installments or []]
    services.invoice_update(actor=request.user, invoice_id=invoice_id, **data)
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


@router.post("/invoices/{invoice_id}/issue", response={200: InvoiceDetailOut, 202: HeldPostingOut})
def invoice_issue(request: HttpRequest, invoice_id: int) -> Any:
    """Number the draft and post Dr AR / Cr revenue + output VAT.

    A non-contract sale that an approval flow applies to stays a draft: 202 with the held
    posting; approval issues it.
    """
    issued = services.invoice_issue(actor=request.user, invoice_id=invoice_id)
    if isinstance(issued, HeldPosting):
        return Status(202, issued)
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


@router.post("/invoices/{invoice_id}/cancel", response=InvoiceDetailOut)
def invoice_cancel(request: HttpRequest, invoice_id: int) -> Any:
    """Cancel a draft; an issued invoice is corrected with a credit note instead."""
    services.invoice_cancel(actor=request.user, invoice_id=invoice_id)
    return selectors.invoice_get(user=request.user, invoice_id=invoice_id)


@router.get("/invoices/{invoice_id}/history", response=list[AuditEntryOut])
@paginated(sorts=("at",), default="-at")
def invoice_history(request: HttpRequest, invoice_id: int) -> Any:
    return selectors.invoice_history(user=request.user, invoice_id=invoice_id)


# --- credit notes ------------------------------------------------------------------------


@router.get("/credit-notes", response=list[CreditNoteOut])
@paginated(sorts=("date", "number", "amount"), default="-date")
def credit_note_list(request: HttpRequest, filters: Query[CreditNoteFilter]) -> Any:
    return selectors.credit_note_list(user=request.user, **filters.dict())


@router.post("/credit-notes", response={201: CreditNoteDetailOut, 202: HeldPostingOut})
def credit_note_create(request: HttpRequest, payload: CreditNoteIn) -> Any:
    """A red-letter invoice: against an invoice it is applied to it at once.

    When an approval flow applies, nothing is issued yet: 202 with the held posting.
    """
    note = services.credit_note_create(
        actor=request.user,
        lines=[line.to_service() for line in payload.lines],
        reason=payload.reason,
        credit_date=payload.date,
        invoice_id=payload.invoice_id,
        customer_id=payload.customer_id,
        currency=payload.currency,
        rate=payload.rate,
    )
    if isinstance(note, HeldPosting):
        return Status(202, note)
    return Status(201, selectors.credit_note_get(user=request.user, credit_note_id=note.pk))


@router.get("/credit-notes/{credit_note_id}", response=CreditNoteDetailOut)
def credit_note_detail(request: HttpRequest, credit_note_id: int) -> Any:
    return selectors.credit_note_get(user=request.user, credit_note_id=credit_note_id)


@router.post("/credit-notes/{credit_note_id}/auto-allocate", response=list[AllocationOut])
def credit_note_auto_allocate(
    request: HttpRequest, credit_note_id: int, payload: AutoAllocateIn
) -> Any:
    """Apply what is left of the credit to the customer's open items, oldest due first."""
    return services.payment_auto_allocate(
        actor=request.user, credit_note_id=credit_note_id, allocation_date=payload.date
    )


# --- payments ----------------------------------------------------------------------------


@router.get("/payments", response=list[PaymentOut])
@paginated(sorts=("date", "number", "amount"), default="-date")
def payment_list(request: HttpRequest, filters: Query[PaymentFilter]) -> Any:
    return selectors.payment_list(user=request.user, **filters.dict())


@router.post("/payments", response={201: PaymentDetailOut})
def payment_create(request: HttpRequest, payload: PaymentIn) -> Any:
    """Record money received: until allocated it is an advance (预收) of the customer."""
    payment = services.payment_create(
        actor=request.user,
        customer_id=payload.customer_id,
        amount=payload.amount,
        currency=payload.currency,
        payment_date=payload.date,
        rate=payload.rate,
        method=payload.method,
        bank_reference=payload.bank_reference,
        payer_name=payload.payer_name,
        payer_account=payload.payer_account,
        memo=payload.memo,
    )
    return Status(201, selectors.payment_get(user=request.user, payment_id=payment.pk))


@router.get("/payments/{payment_id}", response=PaymentDetailOut)
def payment_detail(request: HttpRequest, payment_id: int) -> Any:
    return selectors.payment_get(user=request.user, payment_id=payment_id)


@router.post("/payments/{payment_id}/auto-allocate", response=list[AllocationOut])
def payment_auto_allocate(request: HttpRequest, payment_id: int, payload: AutoAllocateIn) -> Any:
    """Apply what is left of the payment to the customer's open items, oldest due first."""
    return services.payment_auto_allocate(
        actor=request.user, payment_id=payment_id, allocation_date=payload.date
    )


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut})
def payment_refund(request: HttpRequest, payment_id: int, payload: RefundIn) -> Any:
    """Pay back part of the advance (at most what is unapplied)."""
    refund = services.payment_refund(
        actor=request.user,
        payment_id=payment_id,
        amount=payload.amount,
        refund_date=payload.date,
        memo=payload.memo,
    )
    return Status(201, refund)


# --- allocations and write-offs ----------------------------------------------------------


@router.post("/allocations", response={201: AllocationOut})
def allocation_create(request: HttpRequest, payload: AllocationIn) -> Any:
    """Apply part of a payment or credit note to one installment (核销)."""
    allocation = services.allocation_create(
        actor=request.user,
        installment_id=payload.installment_id,
        amount=payload.amount,
        payment_id=payload.payment_id,
        credit_note_id=payload.credit_note_id,
        allocation_date=payload.date,
    )
    return Status(201, allocation)


@router.delete("/allocations/{allocation_id}", response=AllocationOut)
def allocation_undo(request: HttpRequest, allocation_id: int) -> Any:
    """Un-apply: adds the negative row and the reversing entry, and returns that row."""
    selectors.allocation_get(user=request.user, allocation_id=allocation_id)
    return services.allocation_undo(actor=request.user, allocation_id=allocation_id)


@router.post("/write-offs", response={201: AllocationOut, 202: HeldPostingOut})
def write_off_create(request: HttpRequest, payload: WriteOffIn) -> Any:
    """A small residual (within finance's tolerance) or a bad debt (needs a reason).

    A bad debt an approval flow applies to is held: 202 with the held posting.
    """
    row = services.write_off_create(
        actor=request.user,
        installment_id=payload.installment_id,
        kind=payload.kind,
        reason=payload.reason,
        amount=payload.amount,
        write_off_date=payload.date,
    )
    return Status(202 if isinstance(row, HeldPosting) else 201, row)


# --- a customer's money ------------------------------------------------------------------


@router.get("/customers/{customer_id}/balance", response=CustomerMoneyOut)
def customer_balance(request: HttpRequest, customer_id: int) -> Any:
    """Balance per currency, advances and open items of one customer."""
    return selectors.customer_balance_get(user=request.user, customer_id=customer_id)


@router.get("/customers/{customer_id}/statement", response=StatementOut)
def customer_statement(
    request: HttpRequest,
    customer_id: int,
    start: date | None = None,
    end: date | None = None,
    currency: str | None = None,
    format: Literal["json", "pdf"] = "json",
) -> Any:
    """Statement of account (对账单) for a period; `format=pdf` downloads the PDF."""
    default_start, default_end = default_period()
    found = statement_get(
        user=request.user,
        customer_id=customer_id,
        start=start or default_start,
        end=end or default_end,
        currency=currency,
    )
    if format == "pdf":
        name = f"statement-{found.customer.code}-{found.start}-{found.end}.pdf"
        return attachment(statement_pdf(found), "application/pdf", name)
    return found


@router.get("/invoices/{invoice_id}/ubl")
def invoice_ubl(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The issued invoice as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0), decision 058."""
    invoice, xml = selectors.invoice_einvoice(user=request.user, invoice_id=invoice_id)
    return attachment(xml, einvoice.CONTENT_TYPE, f"{invoice.number}.xml")


@router.get("/invoicing-profile", response={200: InvoicingProfileOut, 204: None})
def invoicing_profile_get(request: HttpRequest) -> Any:
    """The seller details e-invoices carry; 204 until saved."""
    require(request.user, "view", Invoice)
    profile = selectors.invoicing_profile()
    return profile if profile is not None else Status(204, None)


@router.put("/invoicing-profile", response=InvoicingProfileOut)
def invoicing_profile_set(request: HttpRequest, payload: InvoicingProfileIn) -> Any:
    return services.invoicing_profile_update(actor=request.user, changes=payload.dict())
