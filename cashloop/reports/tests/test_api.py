"""Report API: aging summary and items, KPIs, CSV and Excel exports, scope, bad input."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from cashloop.reports.tests.conftest import AS_OF
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from tests.factories import CustomerFactory, UserFactory

URL = "/api/v1/reports"
ASOF = AS_OF.isoformat()


def get(client, user, path, **query):
    client.force_login(user)
    return client.get(f"{URL}{path}", query, HTTP_ACCEPT_LANGUAGE="en")


def test_summary_json_has_money_as_strings(client, company, book):
    response = get(client, company.finance, "/aging", as_of=ASOF)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == ASOF and body["basis"] == "due"
    assert [b["label"] for b in body["buckets"]] == [
        "Not yet due",
        "0-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
    ]
    first = body["rows"][0]
    assert first == {
        "customer_id": book.a.pk,
        "customer_code": "A-EAST",
        "customer_name": "甲公司 Alpha",
        "owner": "Rep_East",
        "currency": "CNY",
        "buckets": {
            "not_due": "500.00",
            "b1": "500.01",
            "b2": "600.00",
            "b3": "0.00",
            "b4": "0.00",
            "b5": "0.00",
        },
        "total": "1600.01",
        "advance": "200.00",
        "net": "1400.01",
        "items": 4,
    }
    cny = next(t for t in body["totals"] if t["currency"] == "CNY")
    assert (cny["total"], cny["overdue"], cny["advance"], cny["customers"]) == (
        "1650.01",
        "1150.01",
        "200.00",
        2,
    )
    assert body["row_count"] == 3 and body["truncated"] is False
    assert body["from_stored"] is False  # a past date is always summed from the rows


def test_summary_limit_and_filters(client, company, book):
    body = get(client, company.finance, "/aging", as_of=ASOF, limit=1, currency="CNY").json()
    assert [r["customer_code"] for r in body["rows"]] == ["A-EAST"]
    assert body["truncated"] is True and body["row_count"] == 2
    assert [t["currency"] for t in body["totals"]] == ["CNY"]
    body = get(client, company.finance, "/aging", as_of=ASOF, basis="invoice", buckets="45,90")
    assert [b["key"] for b in body.json()["buckets"]] == ["b1", "b2", "b3"]


def test_items_are_the_drill_down_of_a_cell(client, company, book):
    response = get(
        client, company.finance, "/aging/items", as_of=ASOF, customer_id=book.a.pk, bucket="b1"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["bucket"] == {"key": "b1", "label": "0-30", "from_days": 1, "to_days": 30}
    assert body["count"] == 2 and body["totals"] == {"CNY": "500.01"}
    assert [
        (i["invoice_number"], i["due_date"], i["days_overdue"], i["residual"], i["amount"])
        for i in body["items"]
    ] == [
        (book.a2.number, "2026-03-01", 30, "500.00", "500.00"),
        (book.a4.number, "2026-03-05", 26, "0.01", "100.00"),
    ]
    page = get(client, company.finance, "/aging/items", as_of=ASOF, limit=2, offset=2).json()
    assert page["count"] == 6 and len(page["items"]) == 2


def test_kpis_endpoint(client, company, book):
    response = get(client, company.finance, "/kpis", as_of=ASOF)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "CNY"
    assert (body["total_ar"], body["overdue_ar"], body["overdue_ratio"]) == (
        "1650.01",
        "1150.01",
        "0.6970",
    )
    assert body["collected"] == "799.99"  # 400.00 on 10 March and 399.99 on 6 March
    assert body["period_start"] == "2026-03-01"
    assert body["dso"] == "76.1"
    usd = get(client, company.finance, "/kpis", as_of=ASOF, currency="USD").json()
    assert (usd["total_ar"], usd["overdue_ar"], usd["dso"]) == ("200.00", "0.00", "31.0")


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [
        ("/aging", {"as_of": "2026-02-30"}, "report.bad_date"),
        ("/aging", {"buckets": "60,30"}, "report.bad_buckets"),
        ("/aging", {"buckets": "0"}, "report.bad_buckets"),
        ("/aging", {"buckets": "x"}, "report.bad_buckets"),
        ("/aging", {"basis": "payment"}, "report.bad_basis"),
        ("/aging", {"currency": "XYZ"}, "money.unknown_currency"),
        ("/aging", {"limit": "-1"}, "request.invalid"),
        ("/aging", {"owner_id": "me"}, "request.invalid"),
        ("/aging", {"format": "pdf"}, "report.bad_format"),
        ("/aging/items", {"bucket": "b9"}, "report.bad_bucket"),
        ("/aging/items", {"as_of": "31/03/2026"}, "report.bad_date"),
        ("/aging.csv", {"buckets": "30,20"}, "report.bad_buckets"),
        ("/kpis", {"as_of": "2026-03-31", "period_start": "2026-04-01"}, "report.bad_period"),
        ("/kpis", {"period_start": "soon"}, "report.bad_date"),
    ],
)
def test_bad_input_answers_422_with_a_code(client, company, path, query, code):
    response = get(client, company.finance, path, **query)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("rep_east", ["A-EAST"]),
        ("rep_south", ["B-SOUTH", "B-SOUTH"]),
        ("manager_east", ["A-EAST"]),
        ("finance", ["A-EAST", "B-SOUTH", "B-SOUTH"]),
        ("viewer", ["A-EAST", "B-SOUTH", "B-SOUTH"]),
    ],
)
def test_each_role_sees_its_scope(client, company, book, role, codes):
    user = getattr(company, role)
    body = get(client, user, "/aging", as_of=ASOF).json()
    assert [r["customer_code"] for r in body["rows"]] == codes
    listed = get(client, user, "/aging/items", as_of=ASOF).json()
    assert {i["customer_code"] for i in listed["items"]} == set(codes)
    # a filter naming someone else's customer finds nothing rather than leaking it
    other = book.b if "A-EAST" in codes else book.a
    if len(codes) < 3:
        assert get(client, user, "/aging", customer_id=other.pk).json()["rows"] == []


def test_who_may_read_and_export(client, company, book):
    nobody = UserFactory(username="norole", roles=[])
    assert get(client, nobody, "/aging").status_code == 403
    assert get(client, nobody, "/kpis").status_code == 403
    assert get(client, company.rep_east, "/aging.csv").status_code == 403  # no "export"
    assert get(client, company.manager_east, "/aging.csv").status_code == 200
    client.logout()
    assert client.get(f"{URL}/aging").status_code == 401


def test_csv_export_holds_every_row_and_the_totals(client, company, book):
    response = get(client, company.finance, "/aging.csv", as_of=ASOF)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="aging-2026-03-31-due.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Customer code",
        "Customer",
        "Owner",
        "Currency",
        "Not yet due",
        "0-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
        "Total open",
        "Advances",
        "Net",
        "Open items",
    ]
    assert rows[1] == [
        "A-EAST",
        "甲公司 Alpha",
        "Rep_East",
        "CNY",
        "500.00",
        "500.01",
        "600.00",
        "0.00",
        "0.00",
        "0.00",
        "1600.01",
        "200.00",
        "1400.01",
        "4",
    ]
    assert [r[:4] for r in rows[2:]] == [
        ["B-SOUTH", "乙公司 Beta", "Rep_South", "USD"],
        ["B-SOUTH", "乙公司 Beta", "Rep_South", "CNY"],
        ["", "Total", "", "CNY"],
        ["", "Total", "", "USD"],
    ]
    assert rows[4][4:] == [
        "500.00",
        "500.01",
        "600.00",
        "0.00",
        "50.00",
        "0.00",
        "1650.01",
        "200.00",
        "1450.01",
        "5",
    ]
    same = get(client, company.finance, "/aging", as_of=ASOF, format="csv")
    assert same.content == response.content


def test_xlsx_export_reads_back(client, company, book):
    response = get(client, company.finance, "/aging.xlsx", as_of=ASOF, basis="invoice")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book_ = load_workbook(io.BytesIO(response.content))
    assert book_.sheetnames == ["Aging", "Parameters"]
    sheet = book_["Aging"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:9] == [
        "Customer code",
        "Customer",
        "Owner",
        "Currency",
        "0-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
    ]
    assert rows[1][:4] == ["A-EAST", "甲公司 Alpha", "Rep_East", "CNY"]
    # 0.01 (A4, 30 days since its invoice), 1,000.00 (A2), 600.00 (A1)
    assert [round(v, 2) for v in rows[1][4:12]] == [0.01, 1000, 600, 0, 0, 1600.01, 200, 1400.01]
    assert sheet.cell(row=2, column=5).number_format == "#,##0.00"
    assert rows[-1][1:4] == ["Total", None, "USD"]
    params = dict(book_["Parameters"].iter_rows(values_only=True))
    assert params["As of"] == "2026-03-31" and params["Age by"] == "Invoice date"


def test_query_counts_do_not_grow_with_rows(client, company, django_assert_max_num_queries):
    def grow(n):
        for k in range(n):
            # owners named by first and last name: showing them must not load them one by one
            owner = UserFactory(display_name="", first_name="三", last_name="张", team=company.east)
            customer = CustomerFactory(owner=owner)
            pay(company.finance, customer, "10.00", date(2025, 12, 1))
            for month in (1, 2):
                inv = invoice(
                    company.finance,
                    customer,
                    date(2026, month, 1),
                    ("100.00", date(2026, month, 15)),
                    ("50.00", date(2026, month + 2, 1)),
                )
                p = pay(company.finance, customer, "30.00", date(2026, 3, 1))
                apply(company.finance, p, items(inv)[k % 2], "30.00", date(2026, 3, 1))

    counts = {}
    for n in (1, 6):
        grow(n)
        client.force_login(company.finance)
        for path, query in (
            ("/aging", {"as_of": ASOF}),
            ("/aging", {}),
            ("/aging/items", {"as_of": ASOF}),
            ("/kpis", {"as_of": ASOF}),
        ):
            with django_assert_max_num_queries(12) as captured:
                assert client.get(f"{URL}{path}", query).status_code == 200
            counts.setdefault((path, tuple(query)), []).append(len(captured.captured_queries))
    for path, (small, large) in counts.items():
        assert large == small, (path, small, large)


def test_the_endpoints_are_in_the_openapi_document(client, company):
    client.force_login(company.finance)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {p for p in paths if p.startswith("/api/v1/reports")} == {
        "/api/v1/reports/aging",
        "/api/v1/reports/aging.csv",
        "/api/v1/reports/aging.xlsx",
        "/api/v1/reports/aging/items",
        "/api/v1/reports/kpis",
        "/api/v1/reports/collection-performance",
        "/api/v1/reports/revenue",
        "/api/v1/reports/revenue/documents",
        "/api/v1/reports/schedules",
        "/api/v1/reports/schedules/{schedule_id}",
        "/api/v1/reports/schedules/{schedule_id}/send",
    }
