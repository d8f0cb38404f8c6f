"""Error codes of receivables."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ReceivableError(ErrorCode):
    INVOICE_NOT_FOUND = ("invoice.not_found", 404, _("No such invoice, or it is not yours."))
    # E-invoices (decision 058).
    EINVOICE_NOT_ISSUED = (
        "einvoice.not_issued",
        409,
        _("Only an issued invoice becomes an e-invoice."),
    )
    EINVOICE_NO_SELLER = (
        "einvoice.no_seller",
        422,
        _("Fill in the company's invoicing details first: the e-invoice names the seller."),
    )
    NOT_DRAFT = (
        "invoice.not_draft",
        409,
        _("An issued invoice is never edited; correct it with a credit note."),
    )
    NO_LINES = ("invoice.no_lines", 422, _("An invoice needs at least one line."))
    TOTAL_NOT_POSITIVE = (
        "invoice.total_not_positive",
        422,
        _("An invoice's total must be more than zero."),
    )
    BAD_LINE = ("invoice.bad_line", 422, _("Line {line}: {reason}"))
    TAX_RATE = ("invoice.tax_rate", 422, _("Tax rate {rate} is not allowed."))
    RATE_REQUIRED = (
        "invoice.rate_required",
        422,
        _("A foreign-currency document needs its exchange rate to {base}."),
    )
    INSTALLMENTS_SUM = (
        "invoice.installments_sum",
        422,
        _("Installment shares must be positive and cover the whole total."),
    )
    DUE_RULE = ("invoice.due_rule", 422, _("Installment {n}: {reason}"))
    PAYMENT_NOT_FOUND = ("payment.not_found", 404, _("No such payment, or it is not yours."))
    AMOUNT_NOT_POSITIVE = ("payment.amount_not_positive", 422, _("The amount must be positive."))
    ALREADY_VOIDED = (
        "payment.already_voided",
        409,
        _("Payment {number} was voided on {voided_on} already."),
    )
    PAYMENT_VOIDED = (
        "payment.voided",
        409,
        _("Payment {number} was voided on {voided_on}: nothing can be applied or refunded."),
    )
    TOO_MANY_DECIMALS = (
        "money.too_many_decimals",
        422,
        _("{amount} has more decimals than {currency} allows."),
    )
    CURRENCY_MISMATCH = (
        "allocation.currency_mismatch",
        422,
        _("The payment is in {payment}, the invoice in {invoice}."),
    )
    CUSTOMER_MISMATCH = (
        "allocation.customer_mismatch",
        422,
        _("The payment and the invoice belong to different customers."),
    )
    OVER_RESIDUAL = (
        "allocation.over_residual",
        422,
        _("{amount} is more than the {residual} still open on the installment."),
    )
    OVER_UNAPPLIED = (
        "allocation.over_unapplied",
        422,
        _("{amount} is more than the {unapplied} left on the payment."),
    )
    INSTALLMENT_NOT_OPEN = (
        "allocation.installment_not_open",
        422,
        _("The installment is not open (its invoice is not issued)."),
    )
    ALLOCATION_DATE = (
        "allocation.date_before_document",
        422,
        _("The date is before the documents it settles."),
    )
    ONE_SOURCE = (
        "allocation.one_source",
        422,
        _("Name exactly one of a payment or a credit note (or an invoice or a customer)."),
    )
    CREDIT_NOTE_NOT_FOUND = ("credit_note.not_found", 404, _("No such credit note."))
    REASON_REQUIRED = ("write_off.reason_required", 422, _("Give a reason."))
    OVER_TOLERANCE = (
        "write_off.over_tolerance",
        422,
        _("{amount} is more than the small-residual tolerance of {tolerance}; record a bad debt."),
    )
    STATEMENT_PERIOD = (
        "statement.bad_period",
        422,
        _("The period must start on or before its end."),
    )
    ALLOCATION_NOT_FOUND = ("allocation.not_found", 404, _("No such allocation."))
    APPROVAL_PENDING = (
        "receivables.approval_pending",
        409,
        _("A write-off of this installment is already waiting for approval."),
    )
    HOLD_NOT_PENDING = (
        "receivables.hold_not_pending",
        409,
        _("This posting is no longer waiting for approval."),
    )
    HOLD_STALE = (
        "receivables.hold_stale",
        409,
        _("It can no longer be posted as requested: {problem}"),
    )
    ALREADY_UNALLOCATED = (
        "allocation.already_unallocated",
        409,
        _("This allocation was already undone."),
    )
    NOT_OPENING = (
        "invoice.not_opening",
        422,
        _("Only invoices brought over from another system (origin opening) are opened issued."),
    )
    ORIGIN = (
        "invoice.origin",
        422,
        _(
            "Line {line}: an invoice from a contract bills contract lines only, "
            "and only such an invoice bills them."
        ),
    )
    SALE_PENDING = (
        "invoice.sale_pending",
        409,
        _(
            "This non-contract sale is waiting for approval: it cannot be changed or "
            "issued again until the approvers decide (or the request is withdrawn)."
        ),
    )
    SALE_BATCH = (
        "invoice.sale_needs_approval",
        409,
        _("A non-contract sale needs approval: issue it on its own."),
    )
    CREDIT_LINE_REQUIRED = (
        "credit_note.contract_line_required",
        422,
        _("Line {line}: a credit note on a contract invoice names the contract line it credits."),
    )
    CREDIT_LINE_NOT_ON_INVOICE = (
        "credit_note.contract_line_not_on_invoice",
        422,
        _("Line {line}: the invoice credited does not bill this contract line."),
    )
    CREDIT_EXCEEDS_INVOICED = (
        "credit_note.exceeds_invoiced",
        422,
        _(
            "Line {line}: {amount} is more than is left to credit of this contract line on "
            "the invoice ({left}: what it billed less earlier credit notes)."
        ),
    )
    CREDIT_TAX_RATE = (
        "credit_note.tax_rate",
        422,
        _(
            "Line {line}: the invoice billed this contract line at tax rate {rate}; "
            "a credit note reverses it at the same rate."
        ),
    )
