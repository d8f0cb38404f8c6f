"""Customer import (CSV, Excel) with custom fields: the same validator, all or nothing."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from cashloop.customers.models import Customer

GOOD_CSV = (
    "code,name,currency,owner,tags,industry,cf_revenue_share\n"
    "I1,导入一,CNY,rep_east,VIP;新,mfg,10\n"
    "I2,导入二,,,,retail,\n"
)


def upload(client, name: str, content: bytes, path: str = "/api/v1/customers/import"):  # type: ignore[no-untyped-def]
    return client.post(path, {"file": SimpleUploadedFile(name, content)})


def test_csv_import_creates_customers_with_custom_values(client, company, industry, employees):
    client.force_login(company.manager_east)
    response = upload(client, "c.csv", ("\ufeff" + GOOD_CSV).encode())
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    first = Customer.objects.get(code="I1")
    assert first.custom == {"industry": "mfg", "revenue_share": "10"}
    assert first.owner == company.rep_east
    assert sorted(t.name for t in first.tags.all()) == ["VIP", "新"]


def test_xlsx_import(client, company, industry):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "industry"])
    sheet.append(["X1", "表格客户", "retail"])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(company.admin)
    response = upload(client, "c.xlsx", buffer.getvalue())
    assert response.status_code == 201, response.content
    assert Customer.objects.get(code="X1").custom == {"industry": "retail"}


def test_any_bad_row_imports_nothing_and_names_every_line(client, company, industry, employees):
    client.force_login(company.admin)
    bad = (
        "code,name,industry,revenue_share,owner\n"
        "B1,好的,mfg,5,\n"
        "B2,坏行业,bank,5,\n"
        "B3,坏数字,mfg,lots,\n"
        "B4,缺行业,,,\n"
        "B5,无此人,mfg,,nobody\n"
    )
    response = upload(client, "c.csv", bad.encode())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "customer.import_invalid"
    assert [(r["line"], r["code"]) for r in error["details"]["rows"]] == [
        (3, "custom_field.invalid"),
        (4, "custom_field.invalid"),
        (5, "custom_field.invalid"),
        (6, "customer.owner_inactive"),
    ]
    assert not Customer.objects.filter(code__startswith="B").exists()


def test_unreadable_files_are_refused(client, company):
    client.force_login(company.admin)
    response = upload(client, "c.csv", b"code,name,colour\nA,B,red\n")
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "customer.import_unreadable",
    )
    response = upload(client, "c.xlsx", b"not a workbook")
    assert response.status_code == 400
    response = upload(client, "c.csv", "code,name\nA,名".encode("gb18030"))
    assert response.status_code == 400


def test_import_page_lists_bad_rows(client, company, industry):
    client.force_login(company.admin)
    response = upload(
        client, "c.csv", b"code,name,industry\nP1,Page,zzz\n", path="/customers/import/"
    )
    assert response.status_code == 200
    assert [r["line"] for r in response.context["rows"]] == [2]
    assert 'data-testid="import-errors"' in response.content.decode()
    response = upload(
        client, "c.csv", b"code,name,industry\nP1,Page,mfg\n", path="/customers/import/"
    )
    assert response.status_code == 302
    assert Customer.objects.filter(code="P1").exists()


def test_viewer_may_not_import(client, company):
    client.force_login(company.viewer)
    response = upload(client, "c.csv", GOOD_CSV.encode())
    assert (response.status_code, response.json()["error"]["code"]) == (403, "permission.denied")
