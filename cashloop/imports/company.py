"""The whole company as a zip of CSV files and a manifest, and back (decision 067).

Export: one CSV per table of every Cashloop app (and the tables behind many-to-many
fields), all columns by name, ids included; NULL is written `\\N`, JSON as JSON text,
binary as base64; uploaded files go under `files/`.  `manifest.json` lists each file
with its table, row count and SHA-256, the database's migration state, and the totals
that `verify` stands behind: every account's debits and credits in the base currency,
and the open receivables and advances per currency.

Restore: into an instance migrated to the same state and holding no business data (the
rows its migrations installed, such as roles and the chart of accounts, are replaced).
Every table is emptied and reloaded in one transaction (foreign keys are checked at
commit on both databases, so the order does not matter), content types are mapped by
name, id sequences moved past the restored ids, and the totals recomputed and `verify`
run before committing: a restore that would not give the same totals, or would not
verify, changes nothing.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q, Sum
from django.utils import timezone

from cashloop.core.bulkload import Writer, reset_id_sequences
from cashloop.core.errors import DomainError
from cashloop.core.money import base_currency
from cashloop.core.scoping import require
from cashloop.core.verify import verify_all
from cashloop.identity.models import User
from cashloop.imports.errors import ImportsError
from cashloop.imports.models import ImportJob

FORMAT = "cashloop-company-export"
VERSION = 1
NULL = "\\N"


def exported_models() -> list[type[models.Model]]:
    """Every concrete table of the Cashloop apps, with the auto-made many-to-many ones."""
    found: list[type[models.Model]] = [ContentType]
    for config in apps.get_app_configs():
        if not config.name.startswith("cashloop."):
            continue
        for model in config.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            found.append(model)
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                if through._meta.auto_created:  # type: ignore[union-attr]
                    found.append(through)  # type: ignore[arg-type]
    return found


def _file(model: type[models.Model]) -> str:
    return f"{model._meta.db_table}.csv"


def _cell(field: models.Field[Any, Any], value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _value(field: models.Field[Any, Any], text: str) -> Any:
    if text == NULL:
        return None
    if isinstance(field, models.JSONField):
        return text  # loaded as the JSON text it is
    if isinstance(field, models.BinaryField):
        return base64.b64decode(text)
    if isinstance(field, models.BooleanField):
        return text == "true"
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(text)
    return field.to_python(text)


def totals() -> dict[str, Any]:
    """What `verify` stands behind, to compare an export with its restore."""
    from cashloop.ledger.models import JournalLine
    from cashloop.receivables.models import CreditNote, Installment, Payment

    accounts = (
        JournalLine.objects.values("account__code")
        .annotate(
            debit=Sum("base_amount", filter=Q(base_amount__gt=0)),
            credit=Sum("base_amount", filter=Q(base_amount__lt=0)),
        )
        .order_by("account__code")
    )
    residual = (
        Installment.objects.values("invoice__currency")
        .annotate(total=Sum("residual"))
        .order_by("invoice__currency")
    )
    advances = Payment.objects.values("currency").annotate(total=Sum("unapplied"))
    credits = CreditNote.objects.values("currency").annotate(total=Sum("unapplied"))

    def money(value: Any) -> str:
        return str(Decimal(value or 0).quantize(Decimal("0.01")))

    return {
        "accounts": {
            row["account__code"]: [money(row["debit"]), money(row["credit"])] for row in accounts
        },
        "receivables": {row["invoice__currency"]: money(row["total"]) for row in residual},
        "advances": {row["currency"]: money(row["total"]) for row in advances.order_by("currency")},
        "credits": {row["currency"]: money(row["total"]) for row in credits.order_by("currency")},
    }


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name").order_by("id"):
        latest[app] = max(latest.get(app, name), name)
    return latest


def _rows(model: type[models.Model]) -> Iterator[list[str]]:
    fields = list(model._meta.concrete_fields)
    yield [str(f.attname) for f in fields]
    query = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    for row in query.iterator(chunk_size=2000):
        yield [_cell(f, v) for f, v in zip(fields, row, strict=True)]


def _write_csv(raw: IO[bytes], rows: Iterator[list[str]]) -> tuple[Any, int]:
    """Write the rows as CSV (header first); return the bytes' SHA-256 and the data rows."""
    digest, count = hashlib.sha256(), -1
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> None:
        data = buffer.getvalue().encode()
        digest.update(data)
        raw.write(data)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        writer.writerow(row)
        count += 1
        if buffer.tell() > 1 << 16:
            flush()
    flush()
    return digest, count


def company_export(*, actor: User, out: IO[bytes]) -> dict[str, Any]:
    """Write the company as a zip to `out`; return its manifest."""
    require(actor, "manage", ImportJob)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "base_currency": base_currency(),
        "migrations": _migrations(),
        "tables": [],
        "files": [],
    }
    with transaction.atomic(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # One transaction: every table as of the same moment.
        for model in exported_models():
            with zf.open(_file(model), "w") as raw:
                digest, count = _write_csv(raw, _rows(model))
            manifest["tables"].append(
                {
                    "file": _file(model),
                    "model": model._meta.label_lower,
                    "rows": count,
                    "sha256": digest.hexdigest(),
                }
            )
        for name in _uploaded_files():
            with default_storage.open(name, "rb") as src:
                zf.writestr(f"files/{name}", src.read())
            manifest["files"].append(name)
        manifest["totals"] = totals()
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _uploaded_files() -> list[str]:
    names = []
    for model in exported_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.extend(
                    name
                    for name in model._base_manager.values_list(field.attname, flat=True)
                    if name and default_storage.exists(name)
                )
    return sorted(set(names))


def _business_data() -> bool:
    from cashloop.customers.models import Customer
    from cashloop.ledger.models import JournalEntry

    return Customer.objects.exists() or JournalEntry.objects.exists()


def company_restore(*, file: IO[bytes] | Path) -> dict[str, Any]:
    """Load an export into this empty instance; return its manifest.

    Not a user's action but an operator's (the users themselves are in the file), so it
    is `cashloop company-restore`, with no actor.
    """
    try:
        zf = zipfile.ZipFile(file)
        manifest = json.loads(zf.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DomainError(ImportsError.UNREADABLE, reason="not a company export") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DomainError(ImportsError.UNREADABLE, reason="not a company export of this version")
    if manifest["migrations"] != _migrations():
        raise DomainError(ImportsError.RESTORE_VERSION)
    if _business_data():
        raise DomainError(ImportsError.RESTORE_NOT_EMPTY)
    by_label = {model._meta.label_lower: model for model in exported_models()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Content types stay: this instance's own, matched to the file's by name.
            for model in reversed(exported_models()[1:]):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        types = _load(zf, ContentType, {})
        mapping = {
            old: ContentType.objects.get_for_model(apps.get_model(*key)).pk
            for old, key in types.items()
            if _installed(*key)
        }
        for table in manifest["tables"]:
            model = by_label[table["model"]]
            if model is ContentType:
                continue
            data = zf.read(table["file"])
            if hashlib.sha256(data).hexdigest() != table["sha256"]:
                raise DomainError(ImportsError.UNREADABLE, reason=f"{table['file']} was changed")
            _load(zf, model, mapping)
        reset_id_sequences(*[m for m in exported_models() if m is not ContentType])
        for name in manifest["files"]:
            if not default_storage.exists(name):
                default_storage.save(name, io.BytesIO(zf.read(f"files/{name}")))
        if totals() != manifest["totals"]:
            raise DomainError(ImportsError.RESTORE_TOTALS)
        problems = [p for result in verify_all() for p in result.problems]
        if problems:
            raise DomainError(ImportsError.RESTORE_TOTALS, details={"problems": problems[:20]})
    return manifest


def _installed(app_label: str, model: str) -> bool:
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


def _load(
    zf: zipfile.ZipFile, model: type[models.Model], content_types: dict[int, int]
) -> dict[int, tuple[str, str]]:
    """Insert one table's rows; for content types, return their ids by name instead."""
    with zf.open(_file(model)) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        header = next(reader)
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        fields = [by_attname[name] for name in header]
        if model is ContentType:
            return {int(row[0]): (row[1], row[2]) for row in reader}
        remap = [
            isinstance(f, models.ForeignKey) and f.related_model is ContentType for f in fields
        ]

        def rows() -> Iterator[tuple[Any, ...]]:
            for row in reader:
                values = [_value(f, text) for f, text in zip(fields, row, strict=True)]
                yield tuple(
                    content_types.get(v, v) if moved and v is not None else v
                    for v, moved in zip(values, remap, strict=True)
                )

        Writer(model, header).write(rows())
    return {}
