"""Export the journal as accounting vouchers in CSV (`cashloop export ledger --format
vouchers`, the ledger page, `GET /api/v1/ledger/exports/vouchers`), decision 059.

One row per journal line, in the columns the voucher imports of Chinese accounting software
(用友 U8/T+, 金蝶 K/3/KIS/云星空) map from: the header row below, in Chinese, then the rows.

| column | content |
|---|---|
| 日期 | the entry's date, YYYY-MM-DD |
| 凭证字 | 记 (general voucher) |
| 凭证号 | numbered from 1 in each month, in date then entry order |
| 分录号 | the line's number within its voucher, from 1 |
| 摘要 | the line's memo, else the entry's memo, else its reason |
| 科目代码 / 科目名称 | the account's code and Chinese name |
| 币种 / 原币金额 / 汇率 | the line's currency, its amount (signed: debit +), and the rate |
| 借方金额 / 贷方金额 | the base-currency amount on its side, the other empty |
| 客户编码 / 客户名称 | the line's customer (辅助核算: 客户), when it has one |
| 来源凭证号 | Cashloop's entry number, to trace a voucher back |

Amounts are rounded to their currency's minor unit.  The file is UTF-8 with a byte order
mark, which Excel and both vendors' import tools read as UTF-8.  Entries stream a chunk at
a time (`export.journal_stream`).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

from cashloop.core.money import base_currency, quantize
from cashloop.ledger.export import ExportSummary, Writable, entries_in_range, journal_stream
from cashloop.ledger.models import Account

HEADER = (
    "日期",
    "凭证字",
    "凭证号",
    "分录号",
    "摘要",
    "科目代码",
    "科目名称",
    "币种",
    "原币金额",
    "汇率",
    "借方金额",
    "贷方金额",
    "客户编码",
    "客户名称",
    "来源凭证号",
)
VOUCHER_WORD = "记"
CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


def vouchers_write(
    out: Writable, *, date_from: date | None = None, date_to: date | None = None
) -> ExportSummary:
    """Write the vouchers of the entries dated from `date_from` to `date_to` (inclusive)."""
    base = base_currency()
    accounts = {a.pk: a for a in Account.objects.only("code", "name_zh")}
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    month: tuple[int, int] | None = None
    voucher = entries = lines = 0
    for entry in journal_stream(entries_in_range(date_from, date_to)):
        if (entry.date.year, entry.date.month) != month:
            month, voucher = (entry.date.year, entry.date.month), 0
        voucher += 1
        entries += 1
        summary = entry.memo or str(entry.get_reason_display())
        for position, line in enumerate(entry.lines.all(), 1):
            lines += 1
            account = accounts[line.account_id]
            amount = quantize(line.amount, line.currency)
            base_amount = quantize(line.base_amount, base)
            writer.writerow(
                (
                    entry.date.isoformat(),
                    VOUCHER_WORD,
                    voucher,
                    position,
                    line.memo or summary,
                    account.code,
                    account.name_zh,
                    line.currency,
                    f"{amount:f}",
                    _rate(amount, base_amount),
                    f"{base_amount:f}" if base_amount > 0 else "",
                    f"{-base_amount:f}" if base_amount < 0 else "",
                    line.customer.code if line.customer else "",
                    line.customer.name if line.customer else "",
                    entry.number,
                )
            )
    return ExportSummary(accounts=len(accounts), entries=entries, lines=lines)


def _rate(amount: Decimal, base_amount: Decimal) -> str:
    """Base per unit of the line's currency, to six places; empty for an exchange
    difference (an amount of 0)."""
    if amount == 0:
        return ""
    return f"{(base_amount / amount).quantize(Decimal('0.000001')):f}"
