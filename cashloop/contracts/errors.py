"""Error codes of contracts, payment plans, milestones, billing and recognition."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ContractError(ErrorCode):
    NOT_FOUND = (
        "contract.not_found",
        404,
        _("No such contract, or it is not yours to see."),
    )
    PLAN_SUM = (
        "contract.plan_sum",
        422,
        _("The payment plan sums to {plan}, not to the contract total {total}."),
    )
    MILESTONE_REQUIRED = (
        "contract.milestone_required",
        422,
        _("Installment {n} falls due on a milestone's acceptance but names no milestone."),
    )
    RECOGNITION_PERIOD_OPEN = (
        "contract.recognition_period_open",
        422,
        _("Revenue of {period} can be recognised from its last day on, not before."),
    )
    KEY_DATES_RANGE = (
        "contract.key_dates_range",
        422,
        _("Key dates are read from a start to an end at most {days} days later."),
    )
    # Drafting, activating, milestones, termination, amendments, renewal (contracts core).
    WRONG_STATUS = (
        "contract.wrong_status",
        409,
        _("This cannot be done to a contract that is {status}."),
    )
    NO_LINES = ("contract.no_lines", 422, _("A contract needs at least one line."))
    TOTAL_NOT_POSITIVE = (
        "contract.total_not_positive",
        422,
        _("A contract's total must be more than zero."),
    )
    BAD_LINE = ("contract.bad_line", 422, _("Line {line}: {reason}"))
    BAD_PLAN = ("contract.bad_plan", 422, _("Installment {n}: {reason}"))
    BAD_MILESTONE = ("contract.bad_milestone", 422, _("Milestone {n}: {reason}"))
    DATES = ("contract.dates", 422, _("The contract cannot end before it starts."))
    SIGNING_DATE_REQUIRED = (
        "contract.signing_date_required",
        422,
        _("Enter the signing date before activating the contract."),
    )
    EMPTY_PLAN = (
        "contract.empty_plan",
        422,
        _("Add the payment plan before activating the contract."),
    )
    NUMBER_TAKEN = (
        "contract.number_taken",
        409,
        _("Another contract has the number {number} already."),
    )
    MIGRATED_INVOICE = (
        "contract.migrated_invoice",
        422,
        _(
            "Installment {n}: the invoice is not an issued migrated invoice of the contract's "
            "customer and currency, or another installment has it already."
        ),
    )
    MIGRATED_INVOICE_AMOUNT = (
        "contract.migrated_invoice_amount",
        422,
        _("Installment {n}: its invoice of {invoice} is more than the installment {amount}."),
    )
    QUOTE_NOT_ACCEPTED = (
        "contract.quote_not_accepted",
        409,
        _("Only an accepted quote becomes a contract; this one is {status}."),
    )
    QUOTE_WITHOUT_CUSTOMER = (
        "contract.quote_without_customer",
        422,
        _("The quote is for a lead; convert the lead to a customer first."),
    )
    TEMPLATE_NOT_FOUND = ("contract.template_not_found", 404, _("No such contract template."))
    TEMPLATE_INVALID = (
        "contract.template_invalid",
        422,
        _("The template's terms cannot be rendered: {reason}"),
    )
    MILESTONE_NOT_FOUND = (
        "contract.milestone_not_found",
        404,
        _("No such milestone, or it is not yours to see."),
    )
    MILESTONE_ACCEPTED = (
        "contract.milestone_accepted",
        409,
        _("This milestone was accepted already."),
    )
    REASON_REQUIRED = ("contract.reason_required", 422, _("Please give a reason."))
    AMENDMENT_NOT_FOUND = ("contract.amendment_not_found", 404, _("No such amendment."))
    AMEND_INVOICED = (
        "contract.amend_invoiced",
        422,
        _(
            "Installment {n} is invoiced already: it cannot be changed or removed, only "
            "credited, and the total cannot go below what is invoiced ({invoiced})."
        ),
    )
    AMEND_NOTHING = ("contract.amend_nothing", 422, _("The amendment changes nothing."))
    AMENDMENT_PENDING = (
        "contract.amendment_pending",
        409,
        _("Another amendment of this contract is waiting for approval."),
    )
    # Billing the payment plan (contracts.billing).
    BILL_FUTURE = (
        "billing.future_date",
        422,
        _("Invoices cannot be dated after today ({today})."),
    )
    NO_BILLER = (
        "billing.no_biller",
        409,
        _("Nobody active may bill contracts, so the scheduled billing cannot run."),
    )
