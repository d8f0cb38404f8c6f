"""Built-in import profiles: how common Chinese banks' and wallets' exports are read.

Column names are those of real exports (samples in shared/data/bank/cn: ICBC, CMB, BOC,
CCB, WeChat Pay); ABC, BOCOM and Alipay follow their current online-banking and app
exports.  A company whose bank writes differently copies a profile and edits the copy:
built-ins are overwritten by the migration that installs them, so they stay read-only.
"""

from __future__ import annotations

from typing import Any

from cashloop.banking.choices import StatementFormat

CSV, EXCEL = StatementFormat.CSV.value, StatementFormat.EXCEL.value

BUILTIN_PROFILES: list[dict[str, Any]] = [
    {
        "code": "icbc",
        "name": "工商银行 ICBC",
        "file_kind": CSV,
        "header_contains": "交易日期",
        "footer_contains": "合计",
        "columns": {
            "date": "交易日期",
            "credit": "记账金额(收入)",
            "debit": "记账金额(支出)",
            "currency": "记账币种",
            "balance": "余额",
            "payer_name": "对方户名",
            "payer_account": "对方账户",
            "reference": ["摘要", "交易详情"],
        },
    },
    {
        "code": "cmb",
        "name": "招商银行 CMB",
        "file_kind": CSV,
        "header_contains": "记账日期",
        "columns": {
            "date": "记账日期",
            "amount": "交易金额",
            "currency": "货币",
            "balance": "联机余额",
            "payer_name": "对手信息",
            "reference": ["交易摘要", "客户摘要"],
        },
    },
    {
        "code": "boc",
        "name": "中国银行 BOC",
        "file_kind": CSV,
        "header_contains": "记账日期",
        "columns": {
            "date": "记账日期",
            "amount": "金额",
            "currency": "币别",
            "balance": "余额",
            "payer_name": "对方账户名",
            "payer_account": "对方卡号/账号",
            "reference": ["交易名称", "附言"],
        },
    },
    {
        "code": "ccb",
        "name": "建设银行 CCB",
        "file_kind": EXCEL,
        "header_contains": "记账日",
        "footer_contains": "以上数据仅供参考",
        "columns": {
            "date": "记账日",
            "value_date": "交易日期",
            "debit": "支出",
            "credit": "收入",
            "currency": "币种",
            "balance": "账户余额",
            "payer_name": "对方户名",
            "payer_account": "对方账号",
            "reference": ["摘要", "交易地点"],
        },
    },
    {
        "code": "abc",
        "name": "农业银行 ABC",
        "file_kind": EXCEL,
        "header_contains": "交易日期",
        "footer_contains": "合计",
        "columns": {
            "date": "交易日期",
            "amount": "交易金额",
            "balance": "本次余额",
            "payer_name": "对方户名",
            "payer_account": "对方账号",
            "reference": ["交易用途", "交易摘要"],
        },
    },
    {
        "code": "bocom",
        "name": "交通银行 BOCOM",
        "file_kind": CSV,
        "header_contains": "交易日期",
        "footer_contains": "合计",
        "direction_in": "贷",
        "direction_out": "借",
        "columns": {
            "date": "交易日期",
            "amount": "交易金额",
            "direction": "借贷标志",
            "balance": "余额",
            "payer_name": "对方户名",
            "payer_account": "对方账号",
            "reference": "摘要",
        },
    },
    {
        "code": "wechat-pay",
        "name": "微信支付 WeChat Pay",
        "file_kind": CSV,
        "header_contains": "交易单号",
        "direction_in": "收入",
        "direction_out": "支出",
        "columns": {
            "date": "交易时间",
            "amount": "金额(元)",
            "direction": "收/支",
            "payer_name": "交易对方",
            "reference": ["商品", "备注"],
            "bank_id": "交易单号",
        },
    },
    {
        "code": "alipay",
        "name": "支付宝 Alipay",
        "file_kind": CSV,
        "encoding": "gb18030",
        "header_contains": "交易订单号",
        "footer_contains": "------",
        "direction_in": "收入",
        "direction_out": "支出",
        "columns": {
            "date": "交易时间",
            "amount": "金额",
            "direction": "收/支",
            "payer_name": "交易对方",
            "payer_account": "对方账号",
            "reference": ["商品说明", "备注"],
            "bank_id": "交易订单号",
        },
    },
]

_DEFAULTS: dict[str, Any] = {
    "encoding": "",
    "delimiter": "",
    "header_contains": "",
    "footer_contains": "",
    "direction_in": "",
    "direction_out": "",
    "date_format": "",
    "decimal_comma": False,
}


def install_builtin_profiles(model: Any) -> None:
    """Create or refresh the built-in profiles (the migration and tests call this)."""
    for spec in BUILTIN_PROFILES:
        fields = _DEFAULTS | {k: v for k, v in spec.items() if k != "code"} | {"builtin": True}
        model.objects.update_or_create(code=spec["code"], defaults=fields)
