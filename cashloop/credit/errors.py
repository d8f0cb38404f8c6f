"""Error codes of credit control."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class CreditError(ErrorCode):
    ON_HOLD = (
        "credit.on_hold",
        409,
        _(
            "{customer} is on credit hold: {reason}. Ask finance to release the hold"
            " (Credit page of the customer, “Request release”)."
        ),
    )
    LIMIT_NEGATIVE = ("credit.limit_negative", 422, _("A credit limit cannot be negative."))
    LIMIT_CHANGE_PENDING = (
        "credit.limit_change_pending",
        409,
        _("A change of this customer's limit is already waiting for approval."),
    )
    RELEASE_NOT_ALLOWED = (
        "credit.release_not_allowed",
        403,
        _("You may not release credit holds; ask the customer's owner or finance."),
    )
    RELEASE_PENDING = (
        "credit.release_pending",
        409,
        _("The release of this hold is already waiting for approval."),
    )
    NOTHING_TO_RELEASE = (
        "credit.nothing_to_release",
        409,
        _("This customer is not on hold and has no credit limit: there is nothing to release."),
    )
    HOLD_NOT_FOUND = ("credit.hold_not_found", 404, _("No such credit hold, or not yours to see."))
    REASON_REQUIRED = ("credit.reason_required", 422, _("Say why."))
    SOURCE_UNKNOWN = ("credit.source_unknown", 422, _("Unknown hold source: {source}."))
    CUSTOMER_NOT_FOUND = (
        "credit.customer_not_found",
        404,
        _("No such customer, or it is not yours to see."),
    )


class RiskSignalError(ErrorCode):
    CUSTOMER_NOT_FOUND = (
        "risk_signal.customer_not_found",
        404,
        _("No customer {customer} to record the signal for, or it is not yours to see."),
    )
    IN_FUTURE = ("risk_signal.in_future", 422, _("A signal cannot be dated after today."))
    IMPORT_UNREADABLE = (
        "risk_signal.import_unreadable",
        400,
        _("The file could not be read: {reason}"),
    )
    IMPORT_INVALID = (
        "risk_signal.import_invalid",
        422,
        _("{count} rows are not valid; nothing was imported."),
    )


class CreditBandError(ErrorCode):
    RANGE = (
        "credit_band.range",
        422,
        _("A band runs from a score to a higher or equal one, between 0 and 100."),
    )
    OVERLAP = (
        "credit_band.overlap",
        409,
        _("Scores {score_from}–{score_to} are already in the band “{other}”."),
    )
    NO_ACTION = (
        "credit_band.no_action",
        422,
        _("Choose what the band does: prepayment, shorter terms or a lower limit."),
    )
    PERCENT = ("credit_band.percent", 422, _("Lower the limit by more than 0 and at most 100%."))
    NOT_FOUND = ("credit_band.not_found", 404, _("No such score band policy."))


class CreditSettingsError(ErrorCode):
    GROUP_NOT_FOUND = ("credit_settings.group_not_found", 404, _("No such customer group."))
    AMOUNT_NEGATIVE = (
        "credit_settings.amount_negative",
        422,
        _("The overdue amount that holds cannot be negative."),
    )
