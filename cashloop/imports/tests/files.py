"""A realistic migration set, as a company exports it from its old system: customers in
Chinese headers, open invoices in English, payments in Chinese (GBK), and builders for the
broken files the issue names."""

from __future__ import annotations

import io
from typing import Any

CUSTOMERS_ZH = (
    "客户编码,客户名称,税号,币种,账期,负责人\n"
    "M001,上海迁移科技有限公司,91310000MA1K000001,CNY,30,rep_east\n"
    "M002,杭州迁移贸易有限公司,,CNY,45,\n"
    "M003,Migration Export Ltd,,USD,60,rep_south\n"
)

INVOICES_EN = (
    "Invoice number,Customer code,Invoice date,Due date,Amount,Currency,Exchange rate\n"
    "OLD-1001,M001,2026-09-01,2026-10-01,1000.00,CNY,\n"
    "OLD-1001,M001,2026-09-01,2026-11-01,500.00,CNY,\n"
    'OLD-1002,M002,2026/9/15,2026/10/15,"2,400.00",CNY,\n'
    "OLD-1003,M003,2026年10月2日,2026年12月1日,300.00,USD,7.10\n"
)

PAYMENTS_ZH = (
    "收款单号,客户编码,收款日期,收款金额,发票号,核销金额\n"
    "R-1,M001,2026-10-05,1200.00,OLD-1001,1200.00\n"
    "R-2,M002,2026-10-20,400.00,OLD-1002,\n"
)


def xlsx(rows: list[list[Any]], *, merge: str = "") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
