"""Imports through the pages: upload, see the checks, fix the mapping, import, report."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.customers.models import Customer
from cashloop.imports.models import ImportJob, ImportTemplate
from cashloop.imports.tests.files import CUSTOMERS_ZH, INVOICES_EN
from tests.ledger_check import assert_verified

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def upload(client, kind, text, **form):
    file = SimpleUploadedFile("old.csv", text.encode())
    return client.post("/settings/imports/", {"kind": kind, "file": file, **form}, **EN)


def test_upload_check_and_import(company, client):
    client.force_login(company.admin)
    assert "settings-imports" in client.get("/settings/", **EN).content.decode()
    checked = upload(client, "customers", CUSTOMERS_ZH)
    job = ImportJob.objects.get()
    assert checked.status_code == 302 and checked["Location"] == f"/settings/imports/{job.pk}/"
    page = client.get(f"/settings/imports/{job.pk}/", **EN).content.decode()
    assert 'data-testid="import-run"' in page and "上海迁移科技有限公司" in page
    done = client.post(f"/settings/imports/{job.pk}/run/", **EN)
    assert done.status_code == 302 and done["Location"] == f"/settings/imports/{job.pk}/"
    assert Customer.objects.filter(code__in=["M001", "M002", "M003"]).count() == 3
    page = client.get(f"/settings/imports/{job.pk}/", **EN).content.decode()
    assert 'data-testid="imported-rows">3<' in page and "import-run" not in page
    # The page polls the progress while the import runs, and reloads once it has ended.
    ended = client.get(f"/settings/imports/{job.pk}/progress/", **EN)
    assert ended.status_code == 204 and ended["HX-Redirect"] == f"/settings/imports/{job.pk}/"


def test_errors_mapping_templates_and_valid_rows_only(company, client):
    client.force_login(company.admin)
    upload(client, "customers", CUSTOMERS_ZH)
    client.post(f"/settings/imports/{ImportJob.objects.get().pk}/run/", **EN)
    upload(client, "invoices", INVOICES_EN.replace("M002", "NOPE"))
    job = ImportJob.objects.filter(kind="invoices").get()
    page = client.get(f"/settings/imports/{job.pk}/", **EN).content.decode()
    assert "import-valid-only" in page and "No customer NOPE in Cashloop." in page
    report = client.get(f"/settings/imports/{job.pk}/errors.csv", **EN)
    assert report["Content-Disposition"].endswith('errors.csv"')
    mapping = {f"map-{k}": v for k, v in job.mapping.items()}
    bad = client.post(f"/settings/imports/{job.pk}/", {**mapping, "map-amount": ""}, **EN)
    assert bad.status_code == 200 and "mapping-error" in bad.content.decode()
    kept = client.post(
        f"/settings/imports/{job.pk}/", {**mapping, "template_name": "Old ERP"}, **EN
    )
    assert kept.status_code == 302
    assert ImportTemplate.objects.get().mapping == job.mapping
    client.post(f"/settings/imports/{job.pk}/run/", {"valid_only": "1"}, **EN)
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == ("done", 3)
    assert_verified()


def test_a_bad_file_is_shown_and_nothing_kept(company, client):
    client.force_login(company.admin)
    page = upload(client, "customers", "code,name\n").content.decode()
    assert "import-error" in page and not ImportJob.objects.exists()


def test_who_may_import(company, client):
    client.force_login(company.rep_east)
    assert client.get("/settings/imports/").status_code == 403
    client.force_login(company.finance)
    assert client.get("/settings/imports/").status_code == 200


def test_a_running_import_shows_its_progress(company, client):
    from django.core.cache import cache

    from cashloop.imports.services import progress_key

    client.force_login(company.admin)
    upload(client, "customers", CUSTOMERS_ZH)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", run_by=company.admin)
    cache.set(progress_key(job.pk), (500, 2000))
    page = client.get(f"/settings/imports/{job.pk}/", **EN).content.decode()
    assert 'data-testid="import-progress"' in page and "import-run" not in page
    progress = client.get(f"/settings/imports/{job.pk}/progress/", **EN).content.decode()
    assert 'max="2000" value="500"' in progress and "500 of 2000 records" in progress


def test_a_queued_import_refused_by_the_worker_tells_why(company):
    from cashloop.imports.services import import_job_create, import_job_execute_queued

    job = import_job_create(
        actor=company.admin, kind="customers", file_name="c.csv", content=CUSTOMERS_ZH.encode()
    )
    Customer.objects.create(code="M002", name="先到的", currency="CNY")  # meanwhile
    ImportJob.objects.filter(pk=job.pk).update(status="running", run_by=company.admin)
    Customer.objects.filter(code="M002").delete()
    assert import_job_execute_queued(job_id=job.pk).status == "done"
    assert import_job_execute_queued(job_id=job.pk) is None  # not queued any more
