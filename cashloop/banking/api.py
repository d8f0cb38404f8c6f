"""Bank endpoints: /api/v1/bank-accounts, /api/v1/statement-imports (with the import
profiles under /statement-imports/profiles) and /api/v1/statement-lines.

A statement file is uploaded (multipart) to preview it, then committed or discarded; bank
connections POST lines to /statement-lines and are answered, per line, whether it was
new or already known (the same fingerprint as a file import).
"""

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from cashloop.banking import selectors, services
from cashloop.banking.schemas import (
    BankAccountIn,
    BankAccountOut,
    BankAccountPatch,
    CommitIn,
    ProfileCopyIn,
    ProfileIn,
    ProfileOut,
    ProfilePatch,
    StatementImportOut,
    StatementLineFilter,
    StatementLineOut,
    StatementLinesIn,
    StatementLinesOut,
)
from cashloop.core.pagination import paginated

bank_accounts_router = Router(tags=["banking"])
statement_imports_router = Router(tags=["banking"])
statement_lines_router = Router(tags=["banking"])


# --- bank accounts -----------------------------------------------------------------------


@bank_accounts_router.get("", response=list[BankAccountOut])
@paginated(sorts=("name", "currency", "created_at"), default="name")
def bank_account_list(request: HttpRequest, active: bool | None = None) -> Any:
    return selectors.bank_account_list(user=request.user, active=active)


@bank_accounts_router.post("", response={201: BankAccountOut})
def bank_account_create(request: HttpRequest, payload: BankAccountIn) -> Any:
    return Status(201, services.bank_account_create(actor=request.user, **payload.dict()))


@bank_accounts_router.get("/{bank_account_id}", response=BankAccountOut)
def bank_account_get(request: HttpRequest, bank_account_id: int) -> Any:
    return selectors.bank_account_get(user=request.user, bank_account_id=bank_account_id)


@bank_accounts_router.patch("/{bank_account_id}", response=BankAccountOut)
def bank_account_update(
    request: HttpRequest, bank_account_id: int, payload: BankAccountPatch
) -> Any:
    return services.bank_account_update(
        actor=request.user,
        bank_account_id=bank_account_id,
        changes=payload.dict(exclude_unset=True),
    )


# --- import profiles ---------------------------------------------------------------------


@statement_imports_router.get("/profiles", response=list[ProfileOut])
def import_profile_list(request: HttpRequest) -> Any:
    return selectors.import_profile_list(user=request.user)


@statement_imports_router.post("/profiles", response={201: ProfileOut})
def import_profile_create(request: HttpRequest, payload: ProfileIn) -> Any:
    return Status(201, services.import_profile_create(actor=request.user, **payload.dict()))


@statement_imports_router.post("/profiles/{profile_id}/copy", response={201: ProfileOut})
def import_profile_copy(request: HttpRequest, profile_id: int, payload: ProfileCopyIn) -> Any:
    """A changeable copy of a profile (built-in profiles themselves are read-only)."""
    return Status(
        201,
        services.import_profile_copy(actor=request.user, profile_id=profile_id, **payload.dict()),
    )


@statement_imports_router.patch("/profiles/{profile_id}", response=ProfileOut)
def import_profile_update(request: HttpRequest, profile_id: int, payload: ProfilePatch) -> Any:
    return services.import_profile_update(
        actor=request.user, profile_id=profile_id, changes=payload.dict(exclude_unset=True)
    )


# --- statement imports -------------------------------------------------------------------


@statement_imports_router.get("", response=list[StatementImportOut])
@paginated(sorts=("created_at",), default="-created_at")
def statement_import_list(
    request: HttpRequest, bank_account_id: int | None = None, status: str = ""
) -> Any:
    return selectors.statement_import_list(
        user=request.user, bank_account_id=bank_account_id, status=status
    )


@statement_imports_router.post("", response={201: StatementImportOut})
def statement_import_preview(
    request: HttpRequest,
    file: File[UploadedFile],
    bank_account_id: Form[int],
    profile_id: Form[int | None] = None,
    encoding: Form[str] = "",
) -> Any:
    """Upload a statement (camt.053/054, MT940/942, OFX, CSV, Excel) and preview it:
    lines found, duplicates, errors with line numbers and the balance check.  Nothing is
    imported until `/{id}/commit`."""
    statement_import = services.statement_import_preview(
        actor=request.user,
        bank_account_id=bank_account_id,
        file_name=file.name or "statement",
        data=file.read(services.MAX_FILE_BYTES + 1),
        profile_id=profile_id,
        encoding=encoding or None,
    )
    return Status(201, statement_import)


@statement_imports_router.get("/{import_id}", response=StatementImportOut)
def statement_import_get(request: HttpRequest, import_id: int) -> Any:
    return selectors.statement_import_get(user=request.user, import_id=import_id)


@statement_imports_router.post("/{import_id}/commit", response=StatementImportOut)
def statement_import_commit(request: HttpRequest, import_id: int, payload: CommitIn) -> Any:
    """Import the previewed lines in one transaction; a second commit changes nothing."""
    return services.statement_import_commit(
        actor=request.user, import_id=import_id, valid_only=payload.valid_only
    )


@statement_imports_router.post("/{import_id}/discard", response=StatementImportOut)
def statement_import_discard(request: HttpRequest, import_id: int) -> Any:
    return services.statement_import_discard(actor=request.user, import_id=import_id)


# --- statement lines ---------------------------------------------------------------------


@statement_lines_router.get("", response=list[StatementLineOut])
@paginated(sorts=("booking_date", "amount", "created_at"), default="-booking_date")
def statement_line_list(request: HttpRequest, filters: Query[StatementLineFilter]) -> Any:
    data = filters.dict()
    data["status"] = data["status"] or ""
    return selectors.statement_line_list(user=request.user, **data)


@statement_lines_router.post("", response={200: StatementLinesOut, 201: StatementLinesOut})
def statement_lines_post(request: HttpRequest, payload: StatementLinesIn) -> Any:
    """Post lines from a bank connection; each is created once, ever (its fingerprint).
    201 when some line was new, 200 when all were known already."""
    statement_import, posted = services.statement_lines_post(
        actor=request.user,
        bank_account_id=payload.bank_account_id,
        lines=[line.to_service() for line in payload.lines],
    )
    created = sum(1 for item in posted if item.created)
    body = {
        "import_id": statement_import.pk if statement_import else None,
        "created": created,
        "duplicates": len(posted) - created,
        "lines": posted,
    }
    return Status(201 if created else 200, body)
