"""Imports through the API: the same migration, templates, the error report and bad input."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.imports.models import ImportJob, ImportTemplate
from cashloop.imports.tests.files import CUSTOMERS_ZH, INVOICES_EN, PAYMENTS_ZH
from cashloop.receivables.models import Invoice
from tests.ledger_check import assert_verified

API = "/api/v1/imports"


def upload(client, kind, text, *, name="f.csv", encoding="utf-8", **form):
    payload = {"kind": kind, **form, "file": SimpleUploadedFile(name, text.encode(encoding))}
    return client.post(f"{API}/jobs", payload)


def run(client, job_id, **payload):
    return client.post(f"{API}/jobs/{job_id}/run", payload, content_type="application/json")


def test_a_migration_through_the_api(company, client):
    client.force_login(company.admin)
    kinds = {k["key"]: k for k in client.get(f"{API}/kinds").json()}
    assert kinds["invoices"]["natural_key"] == ["number"]
    for kind, text, encoding in (
        ("customers", CUSTOMERS_ZH, "utf-8"),
        ("invoices", INVOICES_EN, "utf-8"),
        ("payments", PAYMENTS_ZH, "gb18030"),
    ):
        checked = upload(client, kind, text, encoding=encoding)
        assert checked.status_code == 201, checked.json()
        assert checked.json()["errors"] == []
        done = run(client, checked.json()["id"])
        # Queued; the tests' task backend runs it at once.
        assert done.status_code == 202 and done.json()["status"] == "done", done.json()
    assert Invoice.objects.get(memo="OLD-1001").residual == 300
    progress = client.get(f"{API}/jobs/{done.json()['id']}/progress").json()
    assert progress == {"done": 2, "total": 2}
    jobs = client.get(f"{API}/jobs", {"sort": "kind"}).json()
    assert jobs["count"] == 3 and jobs["items"][0]["kind"] == "customers"
    assert_verified()


def test_errors_are_reported_and_downloadable_and_nothing_is_imported(company, client):
    client.force_login(company.admin)
    body = upload(client, "invoices", INVOICES_EN).json()
    assert {e["code"] for e in body["errors"]} == {"import.unknown_reference"}
    refused = run(client, body["id"])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "import.invalid_rows"
    assert not Invoice.objects.exists()
    report = client.get(f"{API}/jobs/{body['id']}/errors.csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "line,column,code,message" and lines[1].startswith("2,Customer code,")
    assert len(lines) == 4  # one per record: its first line


def test_problems_read_in_the_readers_language_whoever_checked_the_file(company, client):
    client.force_login(company.admin)
    file = SimpleUploadedFile("f.csv", INVOICES_EN.encode())
    sent = {"kind": "invoices", "file": file}
    checked = client.post(f"{API}/jobs", sent, HTTP_ACCEPT_LANGUAGE="en").json()
    assert checked["errors"][0]["message"].startswith("No customer ")
    job = f"{API}/jobs/{checked['id']}"
    read = client.get(job, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert read["errors"][0]["message"].startswith("Cashloop 中没有客户 ")
    report = client.get(f"{job}/errors.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Cashloop 中没有客户 " in report.content.decode("utf-8-sig")
    page = client.get(f"/settings/imports/{checked['id']}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Cashloop 中没有客户 " in page.content.decode() and "No customer " not in (
        page.content.decode()
    )


def test_a_template_chooses_the_columns(company, client):
    client.force_login(company.admin)
    text = "编号,公司,其他\nT1,模板公司,x\n"
    mapping = {"code": "编号", "name": "公司"}
    saved = client.post(
        f"{API}/templates",
        {"kind": "customers", "name": "Old CRM", "mapping": mapping},
        content_type="application/json",
    )
    assert saved.status_code == 201
    guessed = upload(client, "customers", text)
    assert guessed.status_code == 422
    assert guessed.json()["error"]["code"] == "import.mapping_missing"
    job = upload(client, "customers", text, template_id=saved.json()["id"]).json()
    assert job["mapping"] == mapping and job["columns"] == ["编号", "公司", "其他"]
    remapped = client.put(
        f"{API}/jobs/{job['id']}/mapping",
        {"mapping": {**mapping, "legal_name": "其他"}},
        content_type="application/json",
    )
    assert remapped.json()["mapping"]["legal_name"] == "其他"
    templates = client.get(f"{API}/templates", {"kind": "customers"}).json()
    assert templates["items"][0]["name"] == "Old CRM"
    explicit = upload(client, "customers", text, mapping=json.dumps(mapping))
    assert explicit.status_code == 201


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"kind": "planets"}, 422, "import.kind_unknown"),
        ({"mapping": "{not json"}, 400, "request.malformed"),
        ({"template_id": "999"}, 404, "import.template_not_found"),
    ],
)
def test_bad_uploads_change_nothing(company, client, form, status, code):
    client.force_login(company.admin)
    text = CUSTOMERS_ZH
    payload = {"kind": "customers", **form, "file": SimpleUploadedFile("c.csv", text.encode())}
    response = client.post(f"{API}/jobs", payload)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not ImportJob.objects.exists() and not ImportTemplate.objects.exists()


def test_an_empty_file_and_a_run_twice(company, client):
    client.force_login(company.admin)
    empty = upload(client, "customers", "code,name\n")
    assert empty.json()["error"]["code"] == "import.empty"
    job = upload(client, "customers", CUSTOMERS_ZH).json()
    assert run(client, job["id"]).status_code == 202
    again = run(client, job["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "import.not_ready"


def test_others_imports_are_not_shown_to_a_user_with_a_narrower_scope(company, client):
    client.force_login(company.admin)
    job = upload(client, "customers", CUSTOMERS_ZH).json()
    client.force_login(company.rep_east)
    assert client.get(f"{API}/jobs/{job['id']}").status_code == 403
