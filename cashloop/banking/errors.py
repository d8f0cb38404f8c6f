"""Error codes of bank accounts, import profiles, statement imports and statement lines."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class BankingError(ErrorCode):
    ACCOUNT_NOT_FOUND = (
        "bank_account.not_found",
        404,
        _("No such bank account, or it is not yours to see."),
    )
    ACCOUNT_NUMBER_TAKEN = (
        "bank_account.number_taken",
        409,
        _("A bank account with number {number} already exists."),
    )
    NOT_A_BANK_LEDGER_ACCOUNT = (
        "bank_account.ledger_not_bank",
        422,
        _("The ledger account must be an active bank deposits account of the chart."),
    )
    ACCOUNT_INACTIVE = (
        "bank_account.inactive",
        409,
        _("This bank account is closed; statements can no longer be imported into it."),
    )
    PROFILE_NOT_FOUND = ("import_profile.not_found", 404, _("No such import profile."))
    PROFILE_BUILTIN = (
        "import_profile.builtin",
        409,
        _("Built-in profiles cannot be changed; copy it and change the copy."),
    )
    PROFILE_CODE_TAKEN = (
        "import_profile.code_taken",
        409,
        _("An import profile with code {code} already exists."),
    )
    PROFILE_COLUMNS_INVALID = (
        "import_profile.columns_invalid",
        422,
        _("The column mapping is not valid: {reason}"),
    )
    IMPORT_NOT_FOUND = (
        "statement_import.not_found",
        404,
        _("No such statement import, or it is not yours to see."),
    )
    IMPORT_NOT_PREVIEW = (
        "statement_import.not_preview",
        409,
        _("This import is {status}; only a preview can be imported or discarded."),
    )
    IMPORT_HAS_ERRORS = (
        "statement_import.has_errors",
        422,
        _(
            "{count} lines have errors; nothing was imported. "
            "Fix the file or import the valid lines only."
        ),
    )
    IMPORT_NOTHING_VALID = (
        "statement_import.nothing_valid",
        422,
        _("The file holds no valid lines; nothing was imported."),
    )
    FILE_EMPTY = ("statement.empty_file", 400, _("The file is empty."))
    FILE_TOO_LARGE = (
        "statement.file_too_large",
        413,
        _("The file is larger than {limit} MB."),
    )
    UNKNOWN_FORMAT = (
        "statement.unknown_format",
        422,
        _(
            "The file is not a statement format Cashloop reads "
            "(camt.053/054, MT940/942, OFX, CSV, Excel)."
        ),
    )
    CORRUPT = (
        "statement.corrupt",
        422,
        _("The file could not be read as {format}: {reason} (line {line})."),
    )
    BAD_ENCODING = (
        "statement.bad_encoding",
        422,
        _(
            "The file is not in the encoding {encoding} (line {line}); "
            "choose another or let Cashloop detect it."
        ),
    )
    UNKNOWN_ENCODING = ("statement.unknown_encoding", 422, _("Unknown encoding: {encoding}."))
    PROFILE_REQUIRED = (
        "statement.profile_required",
        422,
        _("CSV and Excel files need an import profile that says which column holds what."),
    )
    PROFILE_KIND_MISMATCH = (
        "statement.profile_kind_mismatch",
        422,
        _("The profile {profile} reads {kind} files, not this one."),
    )
    MISSING_COLUMNS = (
        "statement.missing_columns",
        422,
        _(
            "Columns of the mapping are missing from the file's header row "
            "(line {line}): {columns}."
        ),
    )
    NO_LINES = ("statement.no_lines", 422, _("The file holds no statement lines."))
    LINES_EMPTY = ("statement_line.none", 422, _("Send at least one statement line."))
    LINES_INVALID = (
        "statement_line.invalid",
        422,
        _("{count} lines are not valid; nothing was posted."),
    )
