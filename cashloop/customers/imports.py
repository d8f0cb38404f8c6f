"""Customer import from CSV or Excel: every row checked, all imported or none.

One header row names the columns: the customer's own (`code`, `name`, `legal_name`,
`tax_id`, `currency`, `payment_terms_days`, `owner` (a username), `status`, `tags`
separated by `;`) and its custom fields, by key (a `cf_` prefix is allowed).  Each row
goes through `customer_create`, so the same rules apply as on the form and in the API,
custom values included (decision 033).  A file with any bad row imports nothing and
reports every bad row with its line number.  Issue #10 will generalize this to other types.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db import transaction

from cashloop.core.errors import DomainError
from cashloop.core.scoping import require
from cashloop.customers.errors import CustomerError
from cashloop.customers.models import Customer
from cashloop.customers.services import CUSTOMER_TYPE, customer_create
from cashloop.customfields.selectors import fields_for
from cashloop.identity.models import User

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = (
    "code",
    "name",
    "legal_name",
    "tax_id",
    "currency",
    "payment_terms_days",
    "owner",
    "status",
    "tags",
)


def _rows(file_name: str, content: bytes) -> Iterator[list[Any]]:
    if file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise DomainError(CustomerError.IMPORT_UNREADABLE, reason=type(exc).__name__) from exc
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(CustomerError.IMPORT_UNREADABLE, reason="not UTF-8") from None
    yield from csv.reader(io.StringIO(text))


def _cell(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def customer_import(*, actor: User, file_name: str, content: bytes) -> list[Customer]:
    """Create one customer per data row, or none and `customer.import_invalid` with
    `details["rows"] = [{"line", "code", "message", "details"}]`."""
    require(actor, "add", Customer)
    if len(content) > MAX_BYTES:
        raise DomainError(CustomerError.IMPORT_UNREADABLE, reason="larger than 5 MB")
    rows = _rows(file_name, content)
    header = [str(_cell(h) or "").lower().removeprefix("cf_") for h in next(rows, [])]
    custom_keys = {f.key for f in fields_for(CUSTOMER_TYPE)}
    unknown = [h for h in header if h and h not in COLUMNS and h not in custom_keys]
    if "code" not in header or "name" not in header or unknown:
        reason = f"unknown columns {', '.join(unknown)}" if unknown else "code and name needed"
        raise DomainError(CustomerError.IMPORT_UNREADABLE, reason=reason)
    owners = {u.username.lower(): u.pk for u in User.objects.filter(is_active=True)}
    created: list[Customer] = []
    errors: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            raise DomainError(CustomerError.IMPORT_UNREADABLE, reason=f"more than {MAX_ROWS} rows")
        values = {h: _cell(v) for h, v in zip(header, row, strict=False) if h}
        if not any(v not in ("", None) for v in values.values()):
            continue
        data: dict[str, Any] = {
            k: str(v) for k, v in values.items() if k in COLUMNS and v not in ("", None)
        }
        data.setdefault("currency", "CNY")
        if "tags" in data:
            data["tags"] = [t.strip() for t in data["tags"].split(";") if t.strip()]
        if "owner" in data:
            data["owner_id"] = owners.get(data.pop("owner").lower(), -1)
        custom = {k: v for k, v in values.items() if k in custom_keys}
        try:
            with transaction.atomic():
                created.append(
                    customer_create(actor=actor, confirm_duplicate=True, custom=custom, **data)
                )
        except DomainError as exc:
            errors.append(
                {
                    "line": line,
                    "code": exc.code.code,
                    "message": exc.message,
                    "details": exc.details,
                }
            )
        except (TypeError, ValueError) as exc:
            errors.append(
                {"line": line, "code": "request.invalid", "message": str(exc), "details": {}}
            )
    if errors:
        raise DomainError(CustomerError.IMPORT_INVALID, count=len(errors), details={"rows": errors})
    return created
