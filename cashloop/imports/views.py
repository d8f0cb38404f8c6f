"""Pages of imports (decision 066), under /settings/imports/: the jobs with the upload
form; one job with its mapping, checks, a preview of the file and the import buttons;
its progress while it runs, and its error report."""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.imports import company, selectors, services
from cashloop.imports.choices import JobStatus
from cashloop.imports.errors import ImportsError
from cashloop.imports.kinds import KINDS
from cashloop.imports.models import ImportJob
from cashloop.imports.reading import MAX_MB
from cashloop.imports.values import in_language
from cashloop.web.files import attachment
from cashloop.web.pages import need, page_error, refuse_or_show

SHOWN_ERRORS = 200
SHOWN_WARNINGS = 100


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", ImportJob)
    error = ""
    kind = request.POST.get("kind", request.GET.get("kind", "customers"))
    if request.method == "POST":
        need(request.user, "add", ImportJob)
        upload = request.FILES.get("file")
        template = request.POST.get("template", "")
        try:
            if upload is None:
                raise DomainError(ImportsError.UNREADABLE, reason=_("no file chosen"))
            job = services.import_job_create(
                actor=request.user,
                kind=kind,
                file_name=upload.name or "import.csv",
                content=upload.read(MAX_MB * 1024 * 1024 + 1),
                template_id=int(template) if template.isdigit() else None,
            )
        except DomainError as exc:
            refuse_or_show(exc)
            error = exc.message
        else:
            return redirect("imports:detail", job_id=job.pk)
    return render(
        request,
        "imports/job_list.html",
        {
            "jobs": selectors.import_job_list(user=request.user)[:50],
            "kinds": KINDS.values(),
            "kind": kind,
            "templates": selectors.import_template_list(user=request.user),
            "error": error,
            "can_add": may(request.user, "add", ImportJob),
            "can_export": may(request.user, "manage", ImportJob),
        },
    )


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    try:
        return selectors.import_job_get(user=request.user, job_id=job_id)
    except DomainError as exc:
        page_error(exc)


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    kind = services.kind_get(job.kind)
    columns = job.sample[0] if job.sample else []
    fields = [
        {
            "field": f,
            "column": job.mapping.get(f.key, ""),
            "index": _index(columns, job.mapping.get(f.key)),
        }
        for f in kind.all_fields()
    ]
    context: dict[str, Any] = {
        "job": job,
        "kind": kind,
        "fields": fields,
        "columns": columns,
        "mapped": [row for row in fields if row["column"]],
        "rows": job.sample[1:],
        # In the reader's language, whoever checked the file.
        "errors": [{**e, "message": in_language(e)} for e in job.errors[:SHOWN_ERRORS]],
        "warnings": [{**w, "message": in_language(w)} for w in job.warnings[:SHOWN_WARNINGS]],
        "can_run": job.status == JobStatus.PREVIEWED and may(request.user, "add", ImportJob),
        "error": "",
    }
    if request.method == "POST" and context["can_run"]:
        mapping = {f.key: request.POST.get(f"map-{f.key}", "") for f in kind.all_fields()}
        try:
            if request.POST.get("template_name"):
                services.import_template_save(
                    actor=request.user,
                    kind=job.kind,
                    name=request.POST["template_name"],
                    mapping=mapping,
                )
                messages.success(request, _("Mapping saved as a template."))
            services.import_job_remap(actor=request.user, job_id=job.pk, mapping=mapping)
        except DomainError as exc:
            refuse_or_show(exc)
            context["error"] = exc.message
        else:
            return redirect("imports:detail", job_id=job.pk)
    return render(request, "imports/job_detail.html", context)


def _index(columns: list[str], column: str | None) -> int | None:
    return columns.index(column) if column in columns else None


@login_required
@require_POST
def job_run(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = services.import_job_run(
            actor=request.user, job_id=job_id, valid_only=request.POST.get("valid_only") == "1"
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d rows imported.") % {"n": job.imported_rows})
    target = reverse("imports:detail", kwargs={"job_id": job_id})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """A running import's progress, polled by its page until it ends."""
    try:
        job, done, total = selectors.import_job_progress(user=request.user, job_id=job_id)
    except DomainError as exc:
        page_error(exc)
    if job.status != JobStatus.RUNNING:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("imports:detail", kwargs={"job_id": job_id})
        return response
    return render(request, "imports/_progress.html", {"done": done, "total": total})


@login_required
def job_errors(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        report = selectors.import_error_report(user=request.user, job_id=job_id)
    except DomainError as exc:
        page_error(exc)
    return attachment(report, "text/csv; charset=utf-8", f"import-{job_id}-errors.csv")


@login_required
def company_export(request: HttpRequest) -> HttpResponse:
    """The whole company as a zip of CSV files and a manifest (decision 067)."""
    return company_zip(request)


def company_zip(request: HttpRequest) -> FileResponse:
    """Shared by the page and the API: the export, spooled to disk when it grows."""
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    try:
        manifest = company.company_export(actor=request.user, out=spool)
    except DomainError as exc:
        spool.close()
        refuse_or_show(exc)
        raise
    spool.seek(0)
    stamp = manifest["created_at"][:10]
    return FileResponse(spool, as_attachment=True, filename=f"cashloop-company-{stamp}.zip")
