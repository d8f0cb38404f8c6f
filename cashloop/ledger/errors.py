"""Error codes of the ledger."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class LedgerError(ErrorCode):
    UNBALANCED = (
        "ledger.unbalanced",
        422,
        _("The entry does not balance: debits and credits differ by {difference} {currency}."),
    )
    TOO_FEW_LINES = ("ledger.too_few_lines", 422, _("An entry needs at least two lines."))
    EXPORT_RANGE = (
        "ledger.export_range",
        422,
        _("The export's first date is after its last."),
    )
    ZERO_LINE = ("ledger.zero_line", 422, _("A line's amount must not be zero."))
    BASE_AMOUNT_MISSING = (
        "ledger.base_amount_missing",
        422,
        _("A line in {currency} needs its amount in the base currency."),
    )
    BASE_AMOUNT_MISMATCH = (
        "ledger.base_amount_mismatch",
        422,
        _("A line in the base currency must have the same amount in both columns."),
    )
    TOO_MANY_DECIMALS = (
        "ledger.too_many_decimals",
        422,
        _("{amount} has more decimals than {currency} allows."),
    )
    ACCOUNT_INACTIVE = ("ledger.account_inactive", 422, _("Account {account} is not active."))
    ACCOUNT_CURRENCY = (
        "ledger.account_currency",
        422,
        _("Account {account} only takes {allowed}, not {currency}."),
    )
    ACCOUNT_ROLE_MISSING = (
        "ledger.account_role_missing",
        422,
        _("No active account has the role {role}; finance must set one in the chart."),
    )
    PERIOD_CLOSED = (
        "ledger.period_closed",
        409,
        _("The period {period} is closed; post the correction in an open period."),
    )
    IDEMPOTENCY_CONFLICT = (
        "ledger.idempotency_conflict",
        409,
        _("An entry with this idempotency key was posted with different content."),
    )
    IMMUTABLE = ("ledger.immutable", 409, _("Posted entries never change; reverse them instead."))
    ALREADY_REVERSED = ("ledger.already_reversed", 409, _("This entry was already reversed."))
    ENTRY_NOT_FOUND = ("ledger.entry_not_found", 404, _("No such journal entry."))
    ACCOUNT_CODE_TAKEN = ("ledger.account_code_taken", 409, _("Account code {code} exists."))
