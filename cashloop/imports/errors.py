"""Error codes of imports.  A whole file's problem is an error; a row's problems are listed
in the job's report with these codes, their line and column."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class ImportsError(ErrorCode):
    NOT_FOUND = ("import.not_found", 404, _("No such import."))
    TEMPLATE_NOT_FOUND = ("import.template_not_found", 404, _("No such mapping template."))
    KIND_UNKNOWN = ("import.kind_unknown", 422, _("Unknown kind of import: {kind}."))
    UNREADABLE = ("import.unreadable", 422, _("The file cannot be read: {reason}."))
    TOO_LARGE = ("import.too_large", 422, _("The file is larger than {limit} MB."))
    TOO_MANY_ROWS = ("import.too_many_rows", 422, _("The file has more than {limit} rows."))
    EMPTY = ("import.empty", 422, _("The file has no data rows."))
    MIXED_ENCODING = (
        "import.mixed_encoding",
        422,
        _("Line {line} is in another encoding than the lines before it (UTF-8 and GBK mixed)."),
    )
    MERGED_CELLS = (
        "import.merged_cells",
        422,
        _("The sheet has merged cells ({cells}); unmerge them so every row has its values."),
    )
    MAPPING_UNKNOWN_FIELD = (
        "import.mapping_field",
        422,
        _("Unknown field in the mapping: {field}."),
    )
    MAPPING_UNKNOWN_COLUMN = (
        "import.mapping_column",
        422,
        _("The file has no column {column}."),
    )
    MAPPING_MISSING = (
        "import.mapping_missing",
        422,
        _("Map a column to each required field: {fields}."),
    )
    NOT_PREVIEWED = ("import.not_ready", 409, _("This import was already run or is running."))
    HAS_ERRORS = (
        "import.invalid_rows",
        422,
        _(
            "{count} rows have errors; nothing was imported. "
            "Fix them, or import the valid rows only."
        ),
    )
    RESTORE_VERSION = (
        "import.restore_version",
        422,
        _("The export was made by another version of Cashloop; restore it into the same."),
    )
    RESTORE_NOT_EMPTY = (
        "import.restore_not_empty",
        409,
        _("This instance already has customers or ledger entries; restore into an empty one."),
    )
    RESTORE_TOTALS = (
        "import.restore_totals",
        422,
        _("The restored data would not give the export's totals or would not verify."),
    )
    TEMPLATE_NAME = ("import.template_name", 422, _("A template needs a name."))
    # Row problems
    REQUIRED = ("import.required", 422, _("A value is required."))
    NUMBER = ("import.number", 422, _("Not a number."))
    AMOUNT = (
        "import.amount",
        422,
        _("Not a positive amount with at most the currency's decimals."),
    )
    DATE = ("import.date", 422, _("Not a date (use 2026-03-31, 2026/3/31 or 2026年3月31日)."))
    FORMULA = (
        "import.formula",
        422,
        _("A formula without a computed value; save the file in Excel first."),
    )
    CHOICE = ("import.choice", 422, _("Not one of: {choices}."))
    DUPLICATE_IN_FILE = (
        "import.duplicate_in_file",
        422,
        _("The same {key} is on line {line} already."),
    )
    UNKNOWN_REFERENCE = (
        "import.unknown_reference",
        422,
        _("No {what} {value} in Cashloop."),
    )
    INCONSISTENT = (
        "import.inconsistent",
        422,
        _("Differs from line {line} for the same {key}."),
    )
    OVERPAID = (
        "import.overapplied",
        422,
        _("More is applied than the invoice has open or the payment has left."),
    )
    # Contracts with payment plans (decision 068)
    NUMBER_TAKEN = (
        "import.number_taken",
        422,
        _("A contract numbered {number} is in Cashloop already, not from an import."),
    )
    PLAN_SUM = (
        "import.plan_sum",
        422,
        _("The installments sum to {plan}, not to the contract total {total}."),
    )
    DATE_ORDER = ("import.date_order", 422, _("The end date is before the start date."))
    INVOICE_LINKED = (
        "import.invoice_linked",
        422,
        _("Invoice {number} is another installment's already."),
    )
    INVOICE_EXCEEDS = (
        "import.invoice_exceeds",
        422,
        _("Invoice {number} asks {invoice}, more than the installment's {amount}."),
    )
    CURRENCY_MISMATCH = (
        "import.currency_mismatch",
        422,
        _("Invoice {number} is in {currency}, the contract in {contract}."),
    )
    INSTALLMENT_STATE = (
        "import.installment_state",
        422,
        _("An installment with an invoice number was invoiced; its status cannot say otherwise."),
    )
