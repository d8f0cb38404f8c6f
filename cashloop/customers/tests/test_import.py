"""Importing customers after the old import's retirement (decision 069): the API's
synchronous endpoint over the wizard's services, and the pages leading to the wizard."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.customers.models import Customer
from cashloop.imports.choices import JobStatus
from cashloop.imports.models import ImportedRecord, ImportJob

API = "/api/v1/customers/import"
GOOD_CSV = "code,name,owner,status\nI1,导入一,rep_east,prospect\nI2,导入二,,\n"


def upload(client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(API, {"file": SimpleUploadedFile(name, content)})


def test_the_api_imports_a_file_at_once_through_the_wizard(client, company):
    client.force_login(company.admin)

    response = upload(client, "c.csv", GOOD_CSV.encode())

    assert response.status_code == 201, response.content
    first, second = Customer.objects.get(code="I1"), Customer.objects.get(code="I2")
    assert response.json() == {"created": 2, "ids": [first.pk, second.pk]}
    assert first.owner == company.rep_east and first.status == "prospect"
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.imported_rows) == ("customers", JobStatus.DONE, 2)
    # Sending the same file again changes nothing, as in the wizard.
    again = upload(client, "c.csv", GOOD_CSV.encode())
    assert again.json() == {"created": 0, "ids": []} and Customer.objects.count() == 2


def test_bad_rows_answer_422_with_every_line_and_keep_nothing(client, company):
    client.force_login(company.admin)
    bad = "code,name,owner,currency\nB1,好的,,\nB2,无此人,nobody,\nB3,坏币种,,XYZ\n"

    response = upload(client, "c.csv", bad.encode())

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import.invalid_rows"
    assert [(r["line"], r["column"], r["code"]) for r in error["details"]["rows"]] == [
        (3, "owner", "import.unknown_reference"),
        (4, "currency", "money.unknown_currency"),
    ]
    assert not Customer.objects.exists() and not ImportJob.objects.exists()


def test_a_row_the_service_refuses_at_import_time_is_listed_too(client, company):
    client.force_login(company.admin)
    # The check cannot tell a malformed code; customer_create refuses it.
    text = "code,name\nOK1,好的\nNOT A CODE!,坏编码\n"

    response = upload(client, "c.csv", text.encode())

    assert response.status_code == 422
    rows = response.json()["error"]["details"]["rows"]
    assert [(r["line"], r["code"]) for r in rows] == [(3, "validation.invalid")]
    assert not Customer.objects.exists() and not ImportedRecord.objects.exists()
    assert not ImportJob.objects.exists()


def test_unreadable_files_are_refused_with_the_wizards_codes(client, company):
    client.force_login(company.admin)
    for name, content, code in (
        ("c.xlsx", b"not a workbook", "import.unreadable"),
        ("c.csv", b"code,name\n", "import.empty"),
        ("c.csv", b"name\nA\n", "import.mapping_missing"),
    ):
        response = upload(client, name, content)
        assert (response.status_code, response.json()["error"]["code"]) == (422, code), name
    assert not ImportJob.objects.exists()


def test_importing_needs_both_the_customer_and_the_import_grant(client, company):
    # The viewer may add neither; finance may import but not create customers.
    for user in (company.viewer, company.finance, company.manager_east):
        client.force_login(user)
        response = upload(client, "c.csv", GOOD_CSV.encode())
        assert (response.status_code, response.json()["error"]["code"]) == (
            403,
            "permission.denied",
        ), user
    assert not Customer.objects.exists() and not ImportJob.objects.exists()


def test_the_old_page_sends_bookmarks_to_the_wizard(client, company):
    client.force_login(company.admin)

    response = client.get("/customers/import/")

    assert response.status_code == 301
    assert response["Location"] == "/settings/imports/?kind=customers"


def test_the_list_links_to_the_wizard_with_customers_chosen(client, company):
    client.force_login(company.admin)
    page = client.get("/customers/").content.decode()
    assert 'href="/settings/imports/?kind=customers" data-testid="customer-import"' in page
    wizard = client.get("/settings/imports/?kind=customers").content.decode()
    assert '<option value="customers" selected>' in wizard
    # A sales manager adds customers but has no import grant by default: no button.
    client.force_login(company.manager_east)
    assert 'data-testid="customer-import"' not in client.get("/customers/").content.decode()
