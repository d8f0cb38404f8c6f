"""A realistic migration set, as a company exports it from its old system: customers in
Chinese headers, open invoices in English, payments in Chinese (GBK), contracts with their
payment plans in either, and builders for the broken files the issue names."""

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

# Contracts with payment plans (decision 068): paid or invoiced in the old system, linked to
# a migrated open invoice, not invoiced yet (one past due, one in 2030).
_CONTRACT_ROWS = (
    'HT-2026-01,M001,年度运维服务合同,2026-01-10,2026-01-10,2030-12-31,CNY,,13%,rep_east,"7,500.00",首付款,2026-03-01,3000.00,,已回款',
    'HT-2026-01,M001,年度运维服务合同,2026-01-10,2026-01-10,2030-12-31,CNY,,13%,rep_east,"7,500.00",进度款,2026-09-01,1500.00,OLD-1001,',
    'HT-2026-01,M001,年度运维服务合同,2026-01-10,2026-01-10,2030-12-31,CNY,,13%,rep_east,"7,500.00",验收款,2026-10-15,2000.00,,未开票',
    'HT-2026-01,M001,年度运维服务合同,2026-01-10,2026-01-10,2030-12-31,CNY,,13%,rep_east,"7,500.00",尾款,2030-06-30,1000.00,,',
    "HT-2026-02,M002,设备采购合同,2026/8/1,,,CNY,,13,,4000,预付款,2026/9/15,2400,OLD-1002,已开票",
    "HT-2026-02,M002,设备采购合同,2026/8/1,,,CNY,,13,,4000,到货款,2026/10/31,1600,,",
    "HT-2026-03,M003,Export services,2026年9月1日,,2027年8月31日,USD,7.10,0,rep_south,,"
    "一期,2026年9月20日,200.00,,已开票",
    "HT-2026-03,M003,Export services,2026年9月1日,,2027年8月31日,USD,7.10,0,rep_south,,"
    "二期,2026年12月1日,300.00,OLD-1003,",
)
CONTRACTS_ZH = (
    "合同编号,客户编码,合同名称,签订日期,开始日期,结束日期,币种,汇率,税率,负责人,合同金额,"
    "款项,到期日,金额,发票号,状态\n" + "\n".join(_CONTRACT_ROWS) + "\n"
)
CONTRACTS_EN = (
    "Contract number,Customer code,Contract name,Signing date,Start date,End date,Currency,"
    "Exchange rate,Tax rate,Owner,Contract total,Installment,Due date,Amount,Invoice number,"
    "Status\n"
    + "\n".join(
        row.replace("已回款", "paid").replace("已开票", "Invoiced").replace("未开票", "")
        for row in _CONTRACT_ROWS
    )
    + "\n"
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
