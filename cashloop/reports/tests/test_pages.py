"""Report pages: the aging with its KPI cards and drill-down links, the items, exports."""

import csv
import io
import re
from datetime import date

import pytest

from cashloop.reports.tests.conftest import AS_OF
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from tests.factories import CustomerFactory, UserFactory

ASOF = AS_OF.isoformat()


def page(client, user, path, lang="en", **query):
    client.force_login(user)
    return client.get(path, query, HTTP_ACCEPT_LANGUAGE=lang)


def test_reports_index_leads_to_the_aging(client, company):
    response = page(client, company.finance, "/reports/")
    assert response.status_code == 302 and response["Location"] == "/reports/aging/"


def test_aging_page_shows_buckets_with_links_to_their_items(client, company, book):
    response = page(client, company.finance, "/reports/aging/", as_of=ASOF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲公司 Alpha" in html and "乙公司 Beta" in html
    link = re.search(rf'href="([^"]+)" data-testid="cell-{book.a.pk}-CNY-b1"', html)
    assert link, "the 0-30 cell of customer A links to its items"
    target = link.group(1).replace("&amp;", "&")
    assert f"customer_id={book.a.pk}" in target and "bucket=b1" in target
    assert "as_of=2026-03-31" in target and "currency=CNY" in target
    assert ">500.01</a>" in html
    assert 'data-testid="kpi-cards"' in html and "69.7%" in html and "76.1" in html
    assert 'data-testid="export-xlsx"' in html
    # the menu marks Reports as the active section
    assert re.search(r'href="/reports/aging/"\s+class="active"', html)
    # and the drill-down behind that link lists the items of the cell
    items_page = client.get(target, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert book.a2.number in items_page and book.a4.number in items_page
    assert book.a1.number not in items_page
    assert 'data-testid="items-total-CNY">500.01<' in items_page


def test_aging_page_in_chinese(client, company, book):
    response = page(client, company.finance, "/reports/aging/", lang="zh-hans", as_of=ASOF)
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_rep_sees_only_their_customers_on_the_pages(client, company, book):
    html = page(client, company.rep_east, "/reports/aging/", as_of=ASOF).content.decode()
    assert "甲公司 Alpha" in html and "乙公司 Beta" not in html
    assert 'data-testid="export-csv"' not in html  # reps may not export
    other = page(
        client, company.rep_east, "/reports/aging/items/", as_of=ASOF, customer_id=book.b.pk
    ).content.decode()
    assert book.b1.number not in other and "乙公司 Beta" not in other
    assert page(client, company.rep_east, "/reports/aging.csv").status_code == 403


def test_without_a_right_to_invoices_the_pages_are_forbidden(client, company):
    nobody = UserFactory(username="norole", roles=[])
    assert page(client, nobody, "/reports/aging/").status_code == 403
    assert page(client, nobody, "/reports/aging/items/").status_code == 403
    assert page(client, nobody, "/").status_code == 200  # the dashboard just has no AR card


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"as_of": "2026-02-30"}, "report.bad_date"),
        ({"buckets": "90,60"}, "report.bad_buckets"),
        ({"basis": "whenever"}, "report.bad_basis"),
    ],
)
def test_bad_filters_are_explained_not_crashed(client, company, book, query, code):
    response = page(client, company.finance, "/reports/aging/", **query)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="filter-error"' in html and code in html


def test_an_unknown_bucket_on_the_items_page_shows_all_with_a_notice(client, company, book):
    html = page(
        client, company.finance, "/reports/aging/items/", as_of=ASOF, bucket="b42"
    ).content.decode()
    assert "report.bad_bucket" in html and book.a1.number in html


def test_page_exports_match_the_api(client, company, book):
    from_page = page(client, company.finance, "/reports/aging.csv", as_of=ASOF)
    from_api = client.get("/api/v1/reports/aging.csv", {"as_of": ASOF}, HTTP_ACCEPT_LANGUAGE="en")
    assert from_page.status_code == 200 and from_page.content == from_api.content
    rows = list(csv.reader(io.StringIO(from_page.content.decode().lstrip("\ufeff"))))
    assert rows[1][0] == "A-EAST"
    assert page(client, company.finance, "/reports/aging.xlsx", as_of=ASOF).status_code == 200
    assert page(client, company.finance, "/reports/aging.pdf").status_code == 404
    bad = page(client, company.finance, "/reports/aging.csv", buckets="9,3")
    assert bad.status_code == 302 and bad["Location"].startswith("/reports/aging/?")


def test_dashboard_card_shows_total_ar_overdue_ratio_and_dso(client, company, book):
    html = page(client, company.finance, "/").content.decode()
    assert 'data-testid="ar-card"' in html
    # today every item of the book is overdue: the ratio is 100%
    assert re.search(r'data-testid="ar-overdue">100.0%<', html)
    assert re.search(r'data-testid="ar-dso">[\d.]+<', html)
    html = page(client, company.rep_south, "/").content.decode()
    assert "¥50.00" in html  # the rep's own CNY receivables only


def test_page_query_counts_do_not_grow_with_rows(client, company, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            customer = CustomerFactory(owner=company.rep_east)
            inv = invoice(company.finance, customer, date(2026, 1, 5), ("80.00", date(2026, 2, 1)))
            p = pay(company.finance, customer, "30.00", date(2026, 3, 1))
            apply(company.finance, p, items(inv)[0], "20.00", date(2026, 3, 2))

    counts = []
    for n in (1, 5):
        grow(n)
        client.force_login(company.finance)
        seen = []
        for path, query in (
            ("/reports/aging/", {"as_of": ASOF}),
            ("/reports/aging/items/", {"as_of": ASOF}),
            ("/", {}),
        ):
            # the home page carries finance's board with its DSO trend (decision 064)
            with django_assert_max_num_queries(32 if path == "/" else 25) as captured:
                assert client.get(path, query).status_code == 200
            seen.append(len(captured.captured_queries))
        counts.append(seen)
    assert counts[0] == counts[1]
