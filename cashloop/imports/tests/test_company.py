"""The full company export and its restore into an empty instance (decision 067)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from cashloop.core.errors import DomainError
from cashloop.customers.models import Customer
from cashloop.imports.company import company_export, company_restore, totals
from cashloop.imports.tests.test_services import migrated  # noqa: F401
from cashloop.receivables.models import Invoice
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)


def _empty() -> None:
    """An instance with no data at all: even the content types are made afresh, with
    other ids than the export's (PostgreSQL's flush restarts no sequence of theirs)."""
    call_command("flush", interactive=False, verbosity=0)


def test_an_export_restores_into_an_empty_instance_with_the_same_totals(migrated):  # noqa: F811
    out = io.BytesIO()
    manifest = company_export(actor=migrated.admin, out=out)
    before = totals()
    assert before["receivables"]["CNY"] == "2300.00" and before["accounts"]
    zf = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert json.loads(zf.read("manifest.json"))["totals"] == before
    customers = zf.read("customers_customer.csv").decode()
    assert "上海迁移科技有限公司" in customers and customers.startswith("id,code,")
    assert {t["model"] for t in manifest["tables"]} >= {"receivables.invoice", "ledger.journalline"}

    with pytest.raises(DomainError) as refused:
        company_restore(file=io.BytesIO(out.getvalue()))
    assert refused.value.code.code == "import.restore_not_empty"

    _empty()
    assert not Customer.objects.exists()
    company_restore(file=io.BytesIO(out.getvalue()))
    assert totals() == before
    assert Invoice.objects.get(memo="OLD-1001").residual == 300
    assert Customer.objects.get(code="M001").owner.username == "rep_east"
    assert_verified()
    # The restored instance goes on numbering where the export stopped.
    fresh = Customer.objects.create(code="NEW", name="新客户", currency="CNY")
    assert fresh.pk > max(c.pk for c in Customer.objects.exclude(pk=fresh.pk))


def test_a_changed_or_foreign_file_changes_nothing(migrated, tmp_path):  # noqa: F811
    out = io.BytesIO()
    company_export(actor=migrated.admin, out=out)
    _empty()
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "customers_customer.csv":
                data = data.replace("上海".encode(), "北京".encode())
            dst.writestr(item, data)
    with pytest.raises(DomainError) as refused:
        company_restore(file=io.BytesIO(tampered.getvalue()))
    assert refused.value.code.code == "import.unreadable"
    assert not Customer.objects.exists()
    path = tmp_path / "x.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match=r"import\.unreadable"):
        call_command("company_restore", str(path))


def test_the_commands(migrated, tmp_path):  # noqa: F811
    path = tmp_path / "company.zip"
    call_command("company_export", "-o", str(path), "--user", "admin1")
    assert zipfile.ZipFile(path).read("manifest.json")
    with pytest.raises(CommandError, match=r"permission\.denied"):
        call_command("company_export", "-o", str(path), "--user", "fin")
    assert not path.exists()


def test_the_page_and_the_api_download_it_for_administrators_only(migrated, client):  # noqa: F811
    client.force_login(migrated.admin)
    page = client.get("/settings/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="company-export"' in page
    response = client.get("/settings/imports/company-export.zip")
    assert response["Content-Disposition"].startswith('attachment; filename="cashloop-company-')
    zf = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "manifest.json" in zf.namelist()
    api = client.get("/api/v1/imports/company-export")
    assert api.status_code == 200
    client.force_login(migrated.finance)
    assert "company-export" not in client.get("/settings/imports/").content.decode()
    assert client.get("/settings/imports/company-export.zip").status_code == 403
    assert client.get("/api/v1/imports/company-export").status_code == 403
