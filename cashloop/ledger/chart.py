"""The default chart of accounts of a Chinese company (企业会计准则 codes), as data.

Installed by a migration into an empty chart; finance edits it afterwards.  Each entry:
(code, Chinese name, English name, type, role, parent code).
"""

DEFAULT_CHART: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("1001", "库存现金", "Cash on hand", "asset", "", None),
    ("1002", "银行存款", "Bank deposits", "asset", "bank", None),
    ("1122", "应收账款", "Accounts receivable", "asset", "ar", None),
    ("1231", "坏账准备", "Allowance for bad debts", "asset", "bad_debt_allowance", None),
    ("2203", "预收账款", "Advances from customers", "liability", "advance", None),
    ("2204", "合同负债", "Contract liabilities", "liability", "deferred_revenue", None),
    ("2221", "应交税费", "Taxes payable", "liability", "", None),
    ("2221.01", "应交税费-应交增值税(销项税额)", "Output VAT", "liability", "vat_output", "2221"),
    ("4001", "实收资本", "Paid-in capital", "equity", "", None),
    ("4104", "利润分配", "Profit distribution", "equity", "opening", None),
    ("6001", "主营业务收入", "Main business revenue", "revenue", "revenue", None),
    ("6051", "其他业务收入", "Other business revenue", "revenue", "", None),
    ("6603", "财务费用", "Financial expenses", "expense", "", None),
    ("6603.01", "财务费用-汇兑损益", "Exchange gains and losses", "expense", "fx", "6603"),
    ("6603.02", "财务费用-现金折扣", "Cash discounts given", "expense", "discount", "6603"),
    ("6603.03", "财务费用-尾差", "Small differences written off", "expense", "rounding", "6603"),
    ("6702", "信用减值损失", "Credit impairment losses", "expense", "credit_loss", None),
)
