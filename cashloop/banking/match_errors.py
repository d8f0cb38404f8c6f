"""Error codes of recognition (认款): matching, unmatching and excluding statement lines,
and matching rules."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class MatchError(ErrorCode):
    LINE_NOT_FOUND = ("statement_line.not_found", 404, _("No such statement line."))
    LINE_NOT_OPEN = (
        "statement_line.not_open",
        409,
        _("This statement line is {status}; only lines waiting to be recognised can be."),
    )
    NOT_INCOMING = (
        "statement_line.not_incoming",
        422,
        _("Only money in is recognised as customer payments."),
    )
    NO_PARTS = ("match.no_parts", 422, _("Say which customer (or customers) paid the line."))
    CUSTOMER_CODE = (
        "match.customer_code",
        422,
        _("No customer of yours has the code {code}."),
    )
    PART_AMOUNT = ("match.part_amount", 422, _("Part {part}: the amount must be positive."))
    PARTS_SUM = (
        "match.parts_sum",
        422,
        _("The parts add up to {total}; the line is {amount}."),
    )
    OVER_ALLOCATED = (
        "match.over_allocated",
        422,
        _("Part {part}: {allocated} allocated is more than the {amount} paid."),
    )
    CHARGES_OVER_TOLERANCE = (
        "match.charges_over_tolerance",
        422,
        _("Part {part}: a bank charge of {charges} is more than the tolerance of {tolerance}."),
    )
    RATE_REQUIRED = (
        "match.rate_required",
        422,
        _("A line in {currency} needs its exchange rate to {base}."),
    )
    MATCH_NOT_FOUND = ("match.not_found", 404, _("No such recognition."))
    ALREADY_UNDONE = ("match.already_undone", 409, _("This recognition was undone already."))
    ACCOUNT_NOT_FOUND = (
        "match.account_not_found",
        422,
        _("Choose an active ledger account other than the bank's own."),
    )
    NOT_EXCLUDED = (
        "statement_line.not_excluded",
        409,
        _("This line was not posted to an account."),
    )
    RULE_NOT_FOUND = ("match_rule.not_found", 404, _("No such matching rule."))
    RULE_INVALID = ("match_rule.invalid", 422, _("The rule is not valid: {reason}"))
