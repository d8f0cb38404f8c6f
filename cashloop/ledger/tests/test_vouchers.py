"""The journal as vouchers in CSV (decision 059): the columns 用友/金蝶-style imports map
from, numbered per month, each voucher balanced in the base currency and all of them equal
to the ledger; through the command, the API and the journal page."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from cashloop.ledger.models import JournalEntry, JournalLine
from cashloop.ledger.tests.test_export import book_worked_examples
from cashloop.ledger.vouchers import HEADER
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1/ledger/exports/vouchers"


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def amount(cell: str) -> Decimal:
    return D(cell) if cell else D(0)


def test_every_journal_line_is_a_voucher_line_and_every_voucher_balances(company):
    entries = book_worked_examples(company)
    out = StringIO()
    call_command("export", "ledger", "--format", "vouchers", stdout=out)
    found = rows(out.getvalue())

    assert list(found[0]) == list(HEADER)
    assert len(found) == JournalLine.objects.count()
    assert len({r["来源凭证号"] for r in found}) == JournalEntry.objects.count()
    # Numbered from 1 in each month, lines from 1 in each voucher.
    months: dict[str, list[int]] = defaultdict(list)
    for r in found:
        if r["分录号"] == "1":
            months[r["日期"][:7]].append(int(r["凭证号"]))
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in months.values())
    # Debits equal credits in each voucher, and the totals are the ledger's.
    by_voucher: dict[str, Decimal] = defaultdict(Decimal)
    for r in found:
        by_voucher[r["来源凭证号"]] += amount(r["借方金额"]) - amount(r["贷方金额"])
    assert set(by_voucher.values()) == {D(0)}
    debits = JournalLine.objects.filter(base_amount__gt=0).aggregate(s=Sum("base_amount"))["s"]
    assert sum(amount(r["借方金额"]) for r in found) == debits.quantize(D("0.01"))
    # The CNY invoice: the receivable debited, with its customer; the memo as summary.
    invoice = [r for r in found if r["来源凭证号"] == entries["cny_invoice"].number]
    receivable = invoice[0]
    assert (receivable["科目代码"], receivable["借方金额"], receivable["贷方金额"]) == (
        "1122",
        "1130.00",
        "",
    )
    assert (receivable["客户编码"], receivable["币种"], receivable["汇率"]) == (
        "C00042",
        "CNY",
        "1.000000",
    )
    assert receivable["摘要"] == 'Invoice "INV-1" \\ March'
    assert receivable["凭证字"] == "记"
    # A USD line keeps its original amount and rate; an exchange difference has no rate.
    usd = [r for r in found if r["来源凭证号"] == entries["usd_settlement"].number]
    assert (usd[0]["币种"], usd[0]["原币金额"], usd[0]["汇率"], usd[0]["借方金额"]) == (
        "USD",
        "100.00",
        "7.200000",
        "720.00",
    )
    assert (usd[2]["原币金额"], usd[2]["汇率"], usd[2]["贷方金额"], usd[2]["摘要"]) == (
        "0.00",
        "",
        "20.00",
        "gain",
    )
    assert_verified()


def test_the_api_and_the_page_export_a_date_range(client, company):
    book_worked_examples(company)
    client.force_login(company.finance)
    response = client.get(f"{API}?date_from=2026-03-16&date_to=2026-03-17")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="vouchers-2026-03-16-2026-03-17.csv"' in response["Content-Disposition"]
    found = rows(response.content.decode())
    assert {r["日期"] for r in found} == {"2026-03-16", "2026-03-17"}
    assert [r["凭证号"] for r in found if r["分录号"] == "1"] == ["1", "2"]
    wrong = client.get(f"{API}?date_from=2026-03-17&date_to=2026-03-16")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "ledger.export_range"
    journal = client.get("/ledger/entries/?date_from=2026-03-01", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-testid="export-vouchers"' in journal.content.decode()
    assert "导出凭证" in journal.content.decode()
    page = client.get("/ledger/entries/vouchers.csv?date_from=2026-03-18")
    assert page.status_code == 200
    assert all(r["日期"] >= "2026-03-18" for r in rows(page.content.decode()))
    refused = client.get("/ledger/entries/vouchers.csv?date_from=2026-04-01&date_to=2026-03-01")
    assert refused.status_code == 302 and refused.url == "/ledger/entries/"


def test_who_may_not_export_the_books_may_not_export_vouchers(client, company):
    client.force_login(company.rep_east)
    assert client.get(API).status_code == 403
    assert client.get("/ledger/entries/vouchers.csv").status_code == 403
