"""Error codes of dunning policies, levels, exclusions and runs."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class DunningError(ErrorCode):
    POLICY_NOT_FOUND = ("dunning_policy.not_found", 404, _("No such dunning policy."))
    POLICY_NAME_TAKEN = (
        "dunning_policy.name_taken",
        409,
        _("A dunning policy named {name} already exists."),
    )
    SECOND_DEFAULT = (
        "dunning_policy.second_default",
        409,
        _("“{name}” is already the default policy; there can be only one."),
    )
    POLICY_IN_USE = (
        "dunning_policy.in_use",
        409,
        _("Customers use this policy; assign them another one first."),
    )
    NO_LEVELS = ("dunning_policy.no_levels", 422, _("A policy needs at least one level."))
    LEVELS_OUT_OF_ORDER = (
        "dunning_level.out_of_order",
        422,
        _(
            "Levels must come in order of days overdue: “{name}” ({days}) comes after a"
            " level from {previous} days."
        ),
    )
    LEVELS_OVERLAP = (
        "dunning_level.overlap",
        422,
        _("Two levels start on the same day ({days} days overdue); each needs its own day."),
    )
    LEVEL_INVALID = ("dunning_level.invalid", 422, _("Level {position} is not valid: {reason}"))
    TEMPLATE_INVALID = (
        "dunning_level.template_invalid",
        422,
        _("The message template of level {position} does not read: {reason}"),
    )
    EXCLUSION_IN_PAST = (
        "dunning_exclusion.end_in_past",
        422,
        _("The exclusion must end today or later; {until} has passed."),
    )
    EXCLUSION_NOT_FOUND = ("dunning_exclusion.not_found", 404, _("No such exclusion."))
    INVOICE_NOT_FOUND = (
        "dunning_exclusion.invoice_not_found",
        404,
        _("No such invoice, or it is not yours to see."),
    )
    LOG_NOT_FOUND = ("dunning_log.not_found", 404, _("No such dunning log entry."))
    COLLECTOR_INVALID = (
        "customer_dunning.collector_invalid",
        422,
        _("The collector must be an active user."),
    )


# --- disputes and dunning charges (decision 051) ---------------------------------------------


class DisputeError(ErrorCode):
    NOT_FOUND = ("dispute.not_found", 404, _("No such dispute."))
    INSTALLMENT_NOT_FOUND = (
        "dispute.installment_not_found",
        404,
        _("No such installment, or it is not yours to see."),
    )
    INSTALLMENT_NOT_OPEN = (
        "dispute.installment_not_open",
        422,
        _("Only an open installment of an issued invoice can be disputed."),
    )
    ALREADY_DISPUTED = (
        "dispute.already_disputed",
        409,
        _("This installment is already disputed; resolve that dispute first."),
    )
    AMOUNT_INVALID = (
        "dispute.amount_invalid",
        422,
        _("The disputed amount must be more than zero and at most the open {residual}."),
    )
    REASON_INVALID = ("dispute.reason_invalid", 422, _("Choose a reason for the dispute."))
    NOT_OPEN = (
        "dispute.not_open",
        409,
        _("This dispute is already “{status}”; only an open dispute can be resolved."),
    )
    OUTCOME_INVALID = (
        "dispute.outcome_invalid",
        422,
        _("A dispute is resolved by a credit note, rejected, or withdrawn."),
    )
    NOTE_REQUIRED = ("dispute.note_required", 422, _("Say why the dispute is resolved so."))
    CREDIT_INVALID = (
        "dispute.credit_invalid",
        422,
        _("The credit must be more than zero and at most the disputed {amount}."),
    )
    CHARGE_NOT_FOUND = ("dunning_charge.not_found", 404, _("No such dunning charge."))
    CHARGE_DISPUTED = (
        "dunning_charge.disputed",
        409,
        _("The installment is disputed: no interest is charged on it until it is resolved."),
    )
    CHARGE_NOT_PENDING = (
        "dunning_charge.not_pending",
        409,
        _("Only a charge not booked yet can be waived; this one is “{status}”."),
    )
    CHARGE_NOTHING_DUE = (
        "dunning_charge.nothing_due",
        422,
        _("No interest is due on this installment today: {reason}"),
    )
    CHARGE_NO_BOOKER = (
        "dunning_charge.no_booker",
        409,
        _("Nobody may issue invoices for every customer; charges stay pending."),
    )


# --- the collector's worklist, contact outcomes and promises to pay (decision 050) ----------


class CollectionError(ErrorCode):
    CUSTOMER_NOT_FOUND = (
        "collection.customer_not_found",
        404,
        _("No such customer, or it is not yours to see."),
    )
    KIND_INVALID = (
        "collection_activity.kind_invalid",
        422,
        _("A collection contact is a call, a visit or an email."),
    )
    OUTCOME_INVALID = ("collection_activity.outcome_invalid", 422, _("Choose an outcome."))
    SUMMARY_REQUIRED = (
        "collection_activity.summary_required",
        422,
        _("Say in a few words what was said."),
    )
    PROMISE_REQUIRED = (
        "collection_activity.promise_required",
        422,
        _("A promise to pay needs its amount and date."),
    )
    PROMISE_AMOUNT_INVALID = (
        "payment_promise.amount_invalid",
        422,
        _("The promised amount must be more than zero."),
    )
    PROMISE_DATE_IN_PAST = (
        "payment_promise.date_in_past",
        422,
        _("The promised date must be today or later; {date} has passed."),
    )
    PROMISE_NOT_FOUND = ("payment_promise.not_found", 404, _("No such promise to pay."))
    PROMISE_NOT_OPEN = (
        "payment_promise.not_open",
        409,
        _("This promise is already {status}; only an open promise can be cancelled."),
    )
    TASK_NOT_FOUND = ("collection_task.not_found", 404, _("No such collection task."))
    TASK_KIND_INVALID = ("collection_task.kind_invalid", 422, _("Choose a kind of task."))
    TASK_TITLE_REQUIRED = ("collection_task.title_required", 422, _("Say what is to be done."))
    TASK_DUE_IN_PAST = (
        "collection_task.due_in_past",
        422,
        _("A task is due today or later; {date} has passed."),
    )
    ESCALATION_NOTE_REQUIRED = (
        "collection_escalation.note_required",
        422,
        _("Say why the customer is escalated."),
    )
    STATEMENT_NO_EMAIL = (
        "collection_statement.no_email",
        422,
        _("None of the customer's contacts has an email address."),
    )
