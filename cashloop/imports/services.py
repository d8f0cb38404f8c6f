"""Writes of imports: check a file (the preview), change its mapping, import it, and save
mapping templates (decision 066).

Checking reads the file, maps its columns to the kind's fields (a saved template, or
headers recognised in English and Chinese), parses every cell, gathers rows into records
by natural key, and asks the kind about the database; it stores every problem with its
line and column, the possible duplicates, and how many rows are already in Cashloop.
Nothing else changes.

Importing checks again (the database may have changed since), then creates every valid
record through the normal services in one transaction: with any bad row and without
`valid_only` nothing is imported; with `valid_only` the bad records are left out and
listed.  The job's own bookkeeping (status, errors, counts) is saved outside that
transaction, so a refused import still shows why.  Rows whose natural key is already
there are skipped, so importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from cashloop.core.audit import AuditAction, audit_record
from cashloop.core.bulkload import insert_many
from cashloop.core.errors import DomainError
from cashloop.core.scoping import require
from cashloop.identity.models import User
from cashloop.imports.choices import JobStatus
from cashloop.imports.errors import ImportsError
from cashloop.imports.kinds import KINDS, Field, Kind, Record, header_key
from cashloop.imports.models import ImportedRecord, ImportJob, ImportTemplate
from cashloop.imports.reading import Table, table_read
from cashloop.imports.values import Problem, in_languages

MAX_ROWS = 1_000_000
SAMPLE_ROWS = 20
BATCH = 500


def kind_get(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise DomainError(ImportsError.KIND_UNKNOWN, kind=key, details={"field": "kind"})
    return kind


def _names(f: Field) -> set[str]:
    names = {header_key(f.key), *(header_key(h) for h in f.headers)}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            names.add(header_key(str(f.label)))
    return names


def mapping_guess(kind: Kind, header: list[str]) -> dict[str, str]:
    """Each field's column, by its name or a known header in either language."""
    by_name = {header_key(column): column for column in reversed(header) if column}
    mapping: dict[str, str] = {}
    for f in kind.all_fields():
        for name in _names(f):
            if name in by_name and by_name[name] not in mapping.values():
                mapping[f.key] = by_name[name]
                break
    return mapping


def _mapping_check(kind: Kind, header: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    fields = {f.key: f for f in kind.all_fields()}
    clean = {k: c for k, c in mapping.items() if c}
    for key, column in clean.items():
        if key not in fields:
            raise DomainError(ImportsError.MAPPING_UNKNOWN_FIELD, field=key, details={"field": key})
        if column not in header:
            raise DomainError(
                ImportsError.MAPPING_UNKNOWN_COLUMN, column=column, details={"field": key}
            )
    missing = [str(f.label) for f in fields.values() if f.required and f.key not in clean]
    if missing:
        raise DomainError(ImportsError.MAPPING_MISSING, fields=", ".join(missing))
    return clean


@dataclass
class Analysis:
    records: list[Record] = field(default_factory=list)
    # Problems of rows that belong to no record (no natural key).
    loose: list[dict[str, Any]] = field(default_factory=list)
    existing_rows: int = 0
    total_rows: int = 0
    # Field -> column: checks of the database name the field, the report names the column.
    mapping: dict[str, str] = field(default_factory=dict)

    def errors(self) -> list[dict[str, Any]]:
        rows = list(self.loose)
        for record in self.records:
            rows.extend(
                _problem(line, self.mapping.get(column, column), p)
                for line, column, p in record.problems
            )
        return sorted(rows, key=lambda row: (row["line"], row["column"]))

    def warnings(self) -> list[dict[str, Any]]:
        return [
            {"line": r.lines[0], "message": str(note), "messages": in_languages(note.__str__)}
            for r in self.records
            for note in r.warnings
        ]

    def error_rows(self) -> int:
        return len({row["line"] for row in self.errors()})


def _problem(line: int, column: str, problem: Problem) -> dict[str, Any]:
    return {
        "line": line,
        "column": column,
        "code": problem.code.code,
        "message": problem.message,
        "messages": in_languages(lambda: problem.message),
    }


def _analyse(actor: User, kind: Kind, table: Table, mapping: dict[str, str]) -> Analysis:
    if len(table.rows) > MAX_ROWS:
        raise DomainError(ImportsError.TOO_MANY_ROWS, limit=MAX_ROWS)
    fields = [f for f in kind.all_fields() if f.key in mapping]
    index = {f.key: table.header.index(mapping[f.key]) for f in fields}
    key_label = ", ".join(str(f.label) for f in fields if f.key in kind.key_fields)
    analysis = Analysis(total_rows=len(table.rows), mapping=mapping)
    by_key: dict[str, Record] = {}
    for line, cells in table.rows:
        values: dict[str, Any] = {}
        problems = []
        for f in fields:
            at = index[f.key]
            try:
                values[f.key] = f.parse(cells[at] if at < len(cells) else None)
            except Problem as problem:
                problems.append((line, mapping[f.key], problem))
                values[f.key] = None
            if values[f.key] is None and f.required and not problems[-1:]:
                problems.append((line, mapping[f.key], Problem(ImportsError.REQUIRED)))
        if any(values.get(k) is None for k in kind.key_fields):
            analysis.loose.extend(_problem(*p) for p in problems)
            continue
        key = kind.natural_key(values)
        item = {f.key: values.pop(f.key) for f in fields if f.per_row}
        record = by_key.get(key)
        if record is None:
            record = by_key[key] = Record(key=key, lines=[line], values=values, items=[item])
        elif not kind.grouped:
            twice = Problem(ImportsError.DUPLICATE_IN_FILE, key=key_label, line=record.lines[0])
            problems.append((line, mapping[kind.key_fields[0]], twice))
        else:
            record.lines.append(line)
            record.items.append(item)
            for f in fields:
                if not f.per_row and values.get(f.key) != record.values.get(f.key):
                    differs = Problem(
                        ImportsError.INCONSISTENT, line=record.lines[0], key=key_label
                    )
                    problems.append((line, mapping[f.key], differs))
        record.problems.extend(problems)
    existing = kind.existing(by_key)
    analysis.records = [r for k, r in by_key.items() if k not in existing]
    analysis.existing_rows = sum(len(r.lines) for k, r in by_key.items() if k in existing)
    checkable = [r for r in analysis.records if not r.problems]
    kind.check(actor=actor, records=checkable)
    return analysis


def _store(job: ImportJob, analysis: Analysis) -> None:
    job.total_rows = analysis.total_rows
    job.errors = analysis.errors()
    job.error_rows = len({row["line"] for row in job.errors})
    job.warnings = analysis.warnings()
    job.existing_rows = analysis.existing_rows


def _sample(table: Table) -> list[list[str]]:
    return [
        ["" if c is None else str(c) for c in cells] for _line, cells in table.rows[:SAMPLE_ROWS]
    ]


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    kind: str,
    file_name: str,
    content: bytes,
    mapping: Mapping[str, str] | None = None,
    template_id: int | None = None,
) -> ImportJob:
    """Check a file: store it with its mapping and every problem found, import nothing."""
    require(actor, "add", ImportJob)
    found = kind_get(kind)
    table = table_read(file_name=file_name, content=content)
    if template_id is not None:
        template = ImportTemplate.objects.filter(pk=template_id, kind=kind).first()
        if template is None:
            raise DomainError(ImportsError.TEMPLATE_NOT_FOUND, details={"field": "template_id"})
        mapping = template.mapping
    chosen = _mapping_check(
        found, table.header, mapping if mapping is not None else mapping_guess(found, table.header)
    )
    job = ImportJob(
        kind=kind,
        file_name=file_name[:200],
        content=content,
        mapping=chosen,
        sample=[table.header, *_sample(table)],
        created_by=actor,
    )
    _store(job, _analyse(actor, found, table, chosen))
    job.save()
    audit_record(actor=actor, instance=job, action=AuditAction.CREATE)
    return job


def _job_for_change(actor: User, job_id: int) -> ImportJob:
    require(actor, "add", ImportJob)
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise DomainError(ImportsError.NOT_FOUND)
    if job.status != JobStatus.PREVIEWED:
        raise DomainError(ImportsError.NOT_PREVIEWED)
    return job


@transaction.atomic
def import_job_remap(*, actor: User, job_id: int, mapping: Mapping[str, str]) -> ImportJob:
    """Check the same file again with another mapping."""
    job = _job_for_change(actor, job_id)
    kind = kind_get(job.kind)
    table = table_read(file_name=job.file_name, content=bytes(job.content))
    job.mapping = _mapping_check(kind, table.header, mapping)
    _store(job, _analyse(actor, kind, table, job.mapping))
    job.save()
    return job


def progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def _claim(actor: User, job_id: int, valid_only: bool) -> ImportJob:
    with transaction.atomic():
        job = _job_for_change(actor, job_id)
        job.status, job.valid_only, job.run_by = JobStatus.RUNNING, valid_only, actor
        job.save(update_fields=["status", "valid_only", "run_by"])
    cache.delete(progress_key(job.pk))
    return job


def import_job_start(*, actor: User, job_id: int, valid_only: bool = False) -> ImportJob:
    """Queue the import of a checked file (the pages and the API): a worker runs it, and
    the job shows its progress and, when it ends, its outcome.  A file whose check found
    problems is refused at once unless `valid_only` (the worker checks again anyway)."""
    if not valid_only:
        checked = ImportJob.objects.filter(pk=job_id).values_list("error_rows", flat=True)
        if checked and checked[0]:
            raise DomainError(ImportsError.HAS_ERRORS, count=checked[0])
    job = _claim(actor, job_id, valid_only)
    from cashloop.imports.tasks import import_job_execute

    import_job_execute.enqueue(job.pk)
    return job


def import_job_run(*, actor: User, job_id: int, valid_only: bool = False) -> ImportJob:
    """Import the checked file now (the command line, and the queued task)."""
    return _execute(_claim(actor, job_id, valid_only))


@transaction.atomic
def import_job_create_and_run(
    *, actor: User, kind: str, file_name: str, content: bytes
) -> ImportJob:
    """Check a file and import it at once, all or none, for an API client that wants one
    synchronous call (decision 069).  With any problem, found by the check or by a service
    refusing a record, `import.invalid_rows` lists the bad rows in `details["rows"]` (line,
    column, code, message) and nothing is kept, the job included."""
    job = import_job_create(actor=actor, kind=kind, file_name=file_name, content=content)
    if not job.error_rows:
        try:
            job = import_job_run(actor=actor, job_id=job.pk)
        except DomainError as exc:
            if exc.code != ImportsError.HAS_ERRORS:
                raise
            # The refused run stored the record the service refused among the job's errors.
            job.refresh_from_db()
    if job.status != JobStatus.DONE:
        raise DomainError(
            ImportsError.HAS_ERRORS, count=job.error_rows, details={"rows": job.errors}
        )
    return job


def import_job_execute_queued(*, job_id: int) -> ImportJob | None:
    """Run a queued import; one no longer queued (run already, or by another worker) is
    left alone."""
    job = ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).first()
    if job is None or job.run_by is None:
        return None
    try:
        return _execute(job)
    except DomainError:
        return ImportJob.objects.get(pk=job_id)  # refused: the job tells why


def _execute(job: ImportJob) -> ImportJob:
    """Check again, then create every valid record, all or none unless `valid_only`.

    The job's own bookkeeping is written outside the import's transaction, so a refused
    or failed import still shows why, and can be run again.
    """
    actor = job.run_by
    assert actor is not None
    kind = kind_get(job.kind)
    analysis = Analysis()
    try:
        table = table_read(file_name=job.file_name, content=bytes(job.content))
        analysis = _analyse(actor, kind, table, job.mapping)
        if analysis.error_rows() and not job.valid_only:
            raise DomainError(ImportsError.HAS_ERRORS, count=analysis.error_rows())
        with transaction.atomic():
            imported = _create(actor, job, kind, analysis, valid_only=job.valid_only)
    except Exception:
        with transaction.atomic():
            _store(job, analysis)
            job.status = JobStatus.PREVIEWED
            job.save()
        raise
    with transaction.atomic():
        _store(job, analysis)
        job.status, job.finished_at = JobStatus.DONE, timezone.now()
        job.imported_rows = imported
        job.content = b""
        job.save()
        audit_record(actor=actor, instance=job, action=AuditAction.UPDATE)
    return job


def _create(
    actor: User, job: ImportJob, kind: Kind, analysis: Analysis, *, valid_only: bool
) -> int:
    """Create the valid records in batches; return how many rows they came from.

    A batch goes to the kind at once (its services' batch forms are much faster); only
    when a service refuses something in it is the batch done again record by record, to
    tell which record it was.
    """
    good = [r for r in analysis.records if not r.problems]
    if (batch_by := kind.batch_by) is not None:
        # A customer's balance is updated once per batch holding its invoices, and within
        # one transaction PostgreSQL keeps every version of the row, each update walking
        # them all: in file order a large import would grow with its square.  Records of
        # one customer go in consecutive batches, in file order.
        good.sort(key=lambda record: str(record.values.get(batch_by) or "").lower())
    done = 0
    for start in range(0, len(good), BATCH):
        batch = good[start : start + BATCH]
        try:
            with transaction.atomic():
                made = list(zip(batch, kind.create(actor=actor, records=batch), strict=True))
        except DomainError:
            made = _create_one_by_one(actor, kind, batch, valid_only=valid_only)
        insert_many(
            [
                ImportedRecord(kind=kind.key, key=record.key, object_id=pk, job=job)
                for record, pk in made
            ]
        )
        done += sum(len(record.lines) for record, _pk in made)
        cache.set(progress_key(job.pk), (start + len(batch), len(good)), 3600)
    return done


def _create_one_by_one(
    actor: User, kind: Kind, batch: list[Record], *, valid_only: bool
) -> list[tuple[Record, int]]:
    made: list[tuple[Record, int]] = []
    for record in batch:
        try:
            with transaction.atomic():
                made.append((record, kind.create(actor=actor, records=[record])[0]))
        except DomainError as exc:
            column = str(exc.details.get("field", "")) if isinstance(exc.details, dict) else ""
            record.problems.append((record.lines[0], column, Problem.of(exc)))
            if not valid_only:
                raise DomainError(ImportsError.HAS_ERRORS, count=1) from exc
    return made


@transaction.atomic
def import_template_save(
    *, actor: User, kind: str, name: str, mapping: Mapping[str, str]
) -> ImportTemplate:
    """Save (or replace) a named mapping of a kind."""
    require(actor, "add", ImportJob)
    found = kind_get(kind)
    if not name.strip():
        raise DomainError(ImportsError.TEMPLATE_NAME, details={"field": "name"})
    fields = {f.key for f in found.all_fields()}
    for key in mapping:
        if key not in fields:
            raise DomainError(ImportsError.MAPPING_UNKNOWN_FIELD, field=key, details={"field": key})
    template, created = ImportTemplate.objects.update_or_create(
        kind=kind,
        name=name.strip()[:100],
        defaults={"mapping": {k: c for k, c in mapping.items() if c}, "created_by": actor},
    )
    audit_record(
        actor=actor, instance=template, action=AuditAction.CREATE if created else AuditAction.UPDATE
    )
    return template
