"""A small book of receivables, made through the services, with its aging worked out.

As of 31 March 2026 (`AS_OF`), due-date basis, default buckets:

Customer A (rep_east, CNY):
  A1 issued 2026-01-01, 1,000.00 due 2026-01-31; 400.00 paid on 2026-03-10
     -> 600.00 open, 59 days overdue                                    -> 31-60
  A2 issued 2026-02-15, 500.00 due 2026-03-01 (30 days overdue)          -> 0-30
                         500.00 due 2026-04-15                          -> not yet due
  A3 issued 2025-10-01, 300.00 due 2025-10-31; paid 300.00 on 2026-03-20 -> nothing
  A4 issued 2026-03-01, 100.00 due 2026-03-05; 99.99 paid on 2026-03-06   -> 0.01 in 0-30
  P0 200.00 received 2025-09-01, before any invoice, never applied      -> advance 200.00
  Row: not due 500.00, 0-30 500.01, 31-60 600.00; total 1,600.01, advance 200.00,
       net 1,400.01; 4 open items (A1, A2 twice, A4; A3 is closed).

Customer B (rep_south):
  B1 issued 2025-12-01, CNY 50.00 due 2025-12-01 (120 days overdue)      -> 91-120
  B2 issued 2026-03-01, USD 200.00 due 2026-03-31 (due on the day)       -> not yet due
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from cashloop.receivables.models import Invoice, Payment
from cashloop.reports.tests.helpers import apply, invoice, items, pay
from tests.factories import CustomerFactory

AS_OF = date(2026, 3, 31)


@dataclass
class Book:
    a: object
    b: object
    a1: Invoice
    a2: Invoice
    a3: Invoice
    a4: Invoice
    b1: Invoice
    b2: Invoice
    p0: Payment
    p1: Payment
    p2: Payment


@pytest.fixture
def book(company) -> Book:
    fin = company.finance
    a = CustomerFactory(owner=company.rep_east, code="A-EAST", name="甲公司 Alpha")
    b = CustomerFactory(owner=company.rep_south, code="B-SOUTH", name="乙公司 Beta")
    p0 = pay(fin, a, "200.00", date(2025, 9, 1))
    a3 = invoice(fin, a, date(2025, 10, 1), ("300.00", date(2025, 10, 31)))
    a1 = invoice(fin, a, date(2026, 1, 1), ("1000.00", date(2026, 1, 31)))
    a2 = invoice(
        fin, a, date(2026, 2, 15), ("500.00", date(2026, 3, 1)), ("500.00", date(2026, 4, 15))
    )
    a4 = invoice(fin, a, date(2026, 3, 1), ("100.00", date(2026, 3, 5)))
    p1 = pay(fin, a, "400.00", date(2026, 3, 10))
    apply(fin, p1, items(a1)[0], "400.00", date(2026, 3, 10))
    p2 = pay(fin, a, "399.99", date(2026, 3, 6))
    apply(fin, p2, items(a4)[0], "99.99", date(2026, 3, 6))
    apply(fin, p2, items(a3)[0], "300.00", date(2026, 3, 20))
    b1 = invoice(fin, b, date(2025, 12, 1), ("50.00", date(2025, 12, 1)))
    b2 = invoice(
        fin, b, date(2026, 3, 1), ("200.00", date(2026, 3, 31)), currency="USD", rate="7.1"
    )
    return Book(a=a, b=b, a1=a1, a2=a2, a3=a3, a4=a4, b1=b1, b2=b2, p0=p0, p1=p1, p2=p2)
