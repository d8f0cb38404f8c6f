"""Reads of imports: the jobs (everyone's for those whose data scope is all, else their
own: a file may hold any customer's data), the templates, and a job's progress."""

from __future__ import annotations

import csv
import io

from django.core.cache import cache
from django.db.models import QuerySet

from cashloop.core.errors import DomainError
from cashloop.core.scoping import ALL, ScopedUser, require
from cashloop.imports.errors import ImportsError
from cashloop.imports.models import ImportJob, ImportTemplate
from cashloop.imports.services import progress_key
from cashloop.imports.values import in_language


def import_job_list(*, user: ScopedUser, kind: str = "") -> QuerySet[ImportJob]:
    scope = require(user, "view", ImportJob)
    rows = ImportJob.objects.select_related("created_by").defer("content")
    if scope != ALL:
        rows = rows.filter(created_by=user)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")


def import_job_get(*, user: ScopedUser, job_id: int) -> ImportJob:
    found = import_job_list(user=user).filter(pk=job_id).first()
    if found is None:
        raise DomainError(ImportsError.NOT_FOUND)
    return found


def import_template_list(*, user: ScopedUser, kind: str = "") -> QuerySet[ImportTemplate]:
    require(user, "view", ImportJob)
    rows = ImportTemplate.objects.all()
    return rows.filter(kind=kind) if kind else rows


def import_job_progress(*, user: ScopedUser, job_id: int) -> tuple[ImportJob, int, int]:
    """The job, with the records done and to do of a running import ((0, 0) before it
    starts)."""
    job = import_job_get(user=user, job_id=job_id)
    done, total = cache.get(progress_key(job.pk), (0, 0))
    return job, int(done), int(total)


def import_error_report(*, user: ScopedUser, job_id: int) -> bytes:
    """The job's problems as CSV (UTF-8 with BOM, which Excel opens as such)."""
    job = import_job_get(user=user, job_id=job_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "column", "code", "message"])
    for row in job.errors:
        writer.writerow([row["line"], row["column"], row["code"], in_language(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
