"""Import endpoints under /api/v1/imports: the kinds and their fields, upload and check a
file, change its mapping, import it, its error report and progress, and mapping templates
(decision 066)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.pagination import paginated
from cashloop.core.scoping import require
from cashloop.imports import selectors, services, views
from cashloop.imports.kinds import KINDS
from cashloop.imports.models import ImportJob
from cashloop.imports.reading import MAX_MB
from cashloop.imports.schemas import (
    JobOut,
    KindOut,
    MappingIn,
    ProgressOut,
    RunIn,
    TemplateIn,
    TemplateOut,
)
from cashloop.web.files import attachment

router = Router(tags=["imports"])


@router.get("/kinds", response=list[KindOut])
def kind_list(request: HttpRequest) -> Any:
    require(request.user, "view", ImportJob)
    return [
        {
            "key": kind.key,
            "label": str(kind.label),
            "natural_key": list(kind.key_fields),
            "fields": [
                {"key": f.key, "label": str(f.label), "required": f.required, "per_row": f.per_row}
                for f in kind.all_fields()
            ],
        }
        for kind in KINDS.values()
    ]


@router.get("/jobs", response=list[JobOut])
@paginated(sorts=("created_at", "kind", "status", "file_name"), default="-created_at")
def job_list(request: HttpRequest, kind: str = "") -> Any:
    return selectors.import_job_list(user=request.user, kind=kind)


@router.post("/jobs", response={201: JobOut})
def job_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str],
    template_id: Form[int | None] = None,
    mapping: Form[str] = "",
) -> Any:
    """Upload a CSV or Excel file and check it: every problem with its line and column,
    possible duplicates, rows already imported.  Nothing is imported until `/run`.
    `mapping` (JSON, field → column) or `template_id` choose the columns; without either,
    headers are recognised in English and Chinese."""
    chosen = None
    if mapping:
        try:
            chosen = json.loads(mapping)
        except ValueError:
            raise DomainError(CoreError.BAD_REQUEST, details={"field": "mapping"}) from None
        if not isinstance(chosen, dict):
            raise DomainError(CoreError.BAD_REQUEST, details={"field": "mapping"})
    job = services.import_job_create(
        actor=request.user,
        kind=kind,
        file_name=file.name or "import.csv",
        content=file.read(MAX_MB * 1024 * 1024 + 1),
        mapping={str(k): str(v) for k, v in chosen.items()} if chosen is not None else None,
        template_id=template_id,
    )
    return Status(201, job)


@router.get("/jobs/{job_id}", response=JobOut)
def job_get(request: HttpRequest, job_id: int) -> Any:
    return selectors.import_job_get(user=request.user, job_id=job_id)


@router.put("/jobs/{job_id}/mapping", response=JobOut)
def job_remap(request: HttpRequest, job_id: int, payload: MappingIn) -> Any:
    return services.import_job_remap(actor=request.user, job_id=job_id, mapping=payload.mapping)


@router.post("/jobs/{job_id}/run", response={202: JobOut})
def job_run(request: HttpRequest, job_id: int, payload: RunIn) -> Any:
    """Queue the import of the checked file: all rows or none, or the valid rows only on
    request.  The job is `running` until a worker has done it, then `done`, or back to
    `previewed` with the reasons in `errors`; `/progress` counts the records done."""
    services.import_job_start(actor=request.user, job_id=job_id, valid_only=payload.valid_only)
    return Status(202, selectors.import_job_get(user=request.user, job_id=job_id))


@router.get("/jobs/{job_id}/progress", response=ProgressOut)
def job_progress(request: HttpRequest, job_id: int) -> Any:
    _job, done, total = selectors.import_job_progress(user=request.user, job_id=job_id)
    return {"done": done, "total": total}


@router.get("/jobs/{job_id}/errors.csv", response={200: None})
def job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    report = selectors.import_error_report(user=request.user, job_id=job_id)
    return attachment(report, "text/csv; charset=utf-8", f"import-{job_id}-errors.csv")


@router.get("/company-export", response={200: None})
def company_export(request: HttpRequest) -> HttpResponse:
    """Every table of the company as CSV files in a zip, with `manifest.json` (row counts,
    SHA-256 of each file, and the totals `verify` stands behind); `cashloop
    company-restore` loads it into an empty instance (decision 067).  Administrators only."""
    return views.company_zip(request)


@router.get("/templates", response=list[TemplateOut])
@paginated(sorts=("kind", "name"), default="kind")
def template_list(request: HttpRequest, kind: str = "") -> Any:
    return selectors.import_template_list(user=request.user, kind=kind)


@router.post("/templates", response={201: TemplateOut})
def template_save(request: HttpRequest, payload: TemplateIn) -> Any:
    return Status(201, services.import_template_save(actor=request.user, **payload.dict()))
