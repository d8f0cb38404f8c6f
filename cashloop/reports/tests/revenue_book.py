"""A small history of sales for the revenue report tests, made through the services.

The window is the first quarter of 2026 (by month); the previous period is the last
quarter of 2025, the year before the first quarter of 2025.

Customer A (rep_east, team East, group KEY 重点客户, China):
  contract HT signed 2026-01-01, one line of product LIC (family SW) net 1,000.00 recognised
    at invoicing, half billed on signing: invoice I1 2026-01-05 net 500.00 (+13% tax)
    -> backlog 500.00 from 1 January 2026 (nothing before)
  invoice I2 2026-02-10 net 300.00, no tax; credit note C1 2026-03-05 net 50.00 against it;
    payment P1 250.00 on 2026-03-10 applied to I2
  Q1 2026: invoiced 500 + 300 − 50 = 750.00, recognised 750.00, collected 250.00
  Q4 2025: invoice I0 2025-11-20 net 100.00 -> invoiced and recognised 100.00

Customer B (rep_south, team South, no group, Germany):
  invoice J0 2025-02-15 USD 100.00 at 7.0 -> 700.00 (the year before)
  invoice J1 2026-03-01 net 200.00, paid 200.00 on 2026-03-31
  Q1 2026: invoiced 200.00, collected 200.00; Q1 2025: 700.00
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.models import Contract
from cashloop.contracts.services import (
    ContractLineIn,
    PlanItemIn,
    contract_activate,
    contract_create,
)
from cashloop.cpq import services as cpq
from cashloop.cpq.choices import Recognition
from cashloop.cpq.models import Product, ProductFamily
from cashloop.customers.models import CustomerGroup
from cashloop.receivables.models import CreditNote, Invoice, Payment
from cashloop.receivables.services import credit_note_create
from cashloop.reports.tests.helpers import apply, invoice, items, line_in, pay
from tests.factories import CustomerFactory

D = Decimal
FROM, TO = date(2026, 1, 1), date(2026, 3, 31)


@dataclass
class Sales:
    a: object
    b: object
    group: CustomerGroup
    family: ProductFamily
    product: Product
    contract: Contract
    i0: Invoice
    i1: Invoice
    i2: Invoice
    c1: CreditNote
    p1: Payment
    j0: Invoice
    j1: Invoice
    q1: Payment


@pytest.fixture(name="sales")
def sales_fixture(company) -> Sales:
    fin = company.finance
    group = CustomerGroup.objects.create(code="KEY", name="重点客户")
    a = CustomerFactory(
        owner=company.rep_east, team=company.east, group=group, name="甲公司 Alpha", country="CN"
    )
    b = CustomerFactory(
        owner=company.rep_south, team=company.south, name="乙公司 Beta", country="DE"
    )
    family = cpq.product_family_create(actor=company.admin, code="SW", name="软件")
    product = cpq.product_create(
        actor=company.admin, code="LIC", name="软件许可", tax_rate=D("0.13"), family_id=family.pk
    )
    contract = contract_create(
        actor=company.rep_east,
        customer_id=a.pk,
        title="ERP 许可",
        start_date=FROM,
        end_date=date(2026, 12, 31),
        signing_date=FROM,
        lines=[
            ContractLineIn(
                product_id=product.pk,
                description="软件许可",
                quantity=D(1),
                unit_price=D(1000),
                tax_rate=D("0.13"),
                recognition=Recognition.AT_INVOICING,
            )
        ],
        plan=[
            PlanItemIn(label="首付款", percent=D(50), due_rule=PlanDueRule.ON_SIGNING),
            PlanItemIn(
                label="尾款",
                percent=D(50),
                due_rule=PlanDueRule.FIXED_DATE,
                fixed_date=date(2026, 9, 30),
            ),
        ],
    )
    contract_activate(actor=company.manager_east, contract_id=contract.pk)
    (i1,) = contract_invoices_generate(actor=fin, on=date(2026, 1, 5))
    i0 = invoice(fin, a, date(2025, 11, 20), ("100.00", date(2025, 12, 20)))
    i2 = invoice(fin, a, date(2026, 2, 10), ("300.00", date(2026, 3, 10)))
    c1 = credit_note_create(
        actor=fin,
        lines=[line_in("50.00")],
        reason="价格调整",
        credit_date=date(2026, 3, 5),
        invoice_id=i2.pk,
    )
    assert isinstance(c1, CreditNote)
    p1 = pay(fin, a, "250.00", date(2026, 3, 10))
    apply(fin, p1, items(i2)[0], "250.00", date(2026, 3, 10))
    j0 = invoice(
        fin, b, date(2025, 2, 15), ("100.00", date(2025, 3, 15)), currency="USD", rate="7.0"
    )
    j1 = invoice(fin, b, date(2026, 3, 1), ("200.00", date(2026, 3, 31)))
    q1 = pay(fin, b, "200.00", date(2026, 3, 31))
    apply(fin, q1, items(j1)[0], "200.00", date(2026, 3, 31))
    contract.refresh_from_db()
    return Sales(a, b, group, family, product, contract, i0, i1, i2, c1, p1, j0, j1, q1)
