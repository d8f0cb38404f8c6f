"""The customer 360: figures worked out by hand, scope, the page, the API and query bounds.

The book of customer C (rep_east, base currency CNY), as of today (after March 2026):

  A  issued 2026-01-01, 1,000.00 due 2026-01-31
     P1 1,000.00 received 2026-01-21: 600.00 applied 2026-01-21 (20 days after the
     invoice date), 400.00 applied 2026-03-02 (60 days)                     -> paid
  B  issued 2026-02-01, 500.00 due 2026-02-28                   -> open, overdue 500.00
     P2 200.00 received 2026-03-10: 100.00 applied to B on 2026-03-15, then undone
                                                                -> advance 200.00
  CN credit note 50.00 on 2026-03-05, standalone                -> advance 50.00
  D  a draft of 300.00                                          -> not revenue

  lifetime revenue = 1,000.00 + 500.00 - 50.00 = 1,450.00
  collected        = 600.00 + 400.00 + 100.00 - 100.00 = 1,000.00
  outstanding      = 500.00, overdue 500.00; advances = 200.00 + 50.00 = 250.00
  days to pay      = (600.00 x 20 + 400.00 x 60) / 1,000.00 = 36.0 (the undone row counts not)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from cashloop.core.errors import DomainError
from cashloop.customers import services
from cashloop.customers.errors import CustomerError
from cashloop.customers.overview import LIST_SIZE, customer_360_get
from cashloop.receivables.services import (
    allocation_undo,
    credit_note_create,
    invoice_create,
)
from cashloop.reports.tests.helpers import apply, invoice, items, line_in, pay
from cashloop.sales import services as sales_services
from cashloop.sales.tests.conftest import install_pipeline
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal


@pytest.fixture
def book(company):  # type: ignore[no-untyped-def]
    fin = company.finance
    c = CustomerFactory(owner=company.rep_east, currency="CNY")
    a = invoice(fin, c, date(2026, 1, 1), ("1000.00", date(2026, 1, 31)))
    b = invoice(fin, c, date(2026, 2, 1), ("500.00", date(2026, 2, 28)))
    p1 = pay(fin, c, "1000.00", date(2026, 1, 21))
    apply(fin, p1, items(a)[0], "600.00", date(2026, 1, 21))
    apply(fin, p1, items(a)[0], "400.00", date(2026, 3, 2))
    p2 = pay(fin, c, "200.00", date(2026, 3, 10))
    undone = apply(fin, p2, items(b)[0], "100.00", date(2026, 3, 15))
    allocation_undo(actor=fin, allocation_id=undone.pk)
    credit_note_create(
        actor=fin,
        customer_id=c.pk,
        lines=[line_in("50.00")],
        reason="goodwill",
        credit_date=date(2026, 3, 5),
    )
    invoice_create(
        actor=fin, customer_id=c.pk, issue_date=date(2026, 3, 20), lines=[line_in("300.00")]
    )
    services.interaction_create(
        actor=company.rep_east,
        customer_id=c.pk,
        kind="call",
        summary="price talk",
        next_step="send the quote",
        next_step_date=date(2026, 4, 8),
    )
    services.interaction_create(
        actor=company.rep_east,
        customer_id=c.pk,
        kind="visit",
        summary="site visit",
        next_step="demo",
        next_step_date=date(2026, 4, 2),
    )
    return c


def test_figures_are_worked_out_exactly(company, book):
    found = customer_360_get(user=company.finance, customer_id=book.pk)
    f = found.figures
    assert f is not None and f.currency == "CNY"
    assert f.invoiced == D("1500.00") and f.credited == D("50.00")
    assert f.lifetime_revenue == D("1450.00")
    assert f.collected == D("1000.00")
    assert (f.outstanding, f.overdue, f.advances) == (D("500.00"), D("500.00"), D("250.00"))
    assert f.average_days_to_pay == D("36.0")
    # Open invoices first (B), then the others, newest first.
    first = found.invoices.rows[0]
    assert (first.residual, first.is_overdue, found.invoices.count) == (D("500.00"), True, 3)
    assert found.payments.count == 2
    (row,) = found.aging.rows
    assert (row.currency, row.total, row.advance, row.net) == (
        "CNY",
        D("500.00"),
        D("250.00"),
        D("250.00"),
    )
    assert sum(row.amounts) == D("500.00")
    assert found.next_action.next_step == "demo"  # the earliest open step
    assert found.last_interaction_at is not None
    assert_verified()


def test_no_payment_gives_no_average(company):
    c = CustomerFactory(owner=company.rep_east)
    found = customer_360_get(user=company.finance, customer_id=c.pk)
    assert found.figures.average_days_to_pay is None
    assert found.figures.lifetime_revenue == D("0.00")
    assert found.next_action is None and found.aging.rows == []


def test_scope_hides_what_a_user_may_not_read(company, book):
    # Another rep: the customer does not exist for them.
    with pytest.raises(DomainError) as refused:
        customer_360_get(user=company.rep_south, customer_id=book.pk)
    assert refused.value.code is CustomerError.NOT_FOUND
    # The owner reads their customer's money, read-only, and the opportunities.
    mine = customer_360_get(user=company.rep_east, customer_id=book.pk)
    assert mine.figures.collected == D("1000.00") and mine.opportunities is not None
    # A collector may not read opportunities: the section is left off, nothing fails.
    theirs = customer_360_get(user=UserFactory(roles=["collector"]), customer_id=book.pk)
    assert theirs.opportunities is None and theirs.open_pipeline is None
    assert theirs.interactions.count == 2


def _grow(company, customer, n: int) -> None:
    """n invoices (half paid), interactions and opportunities for `customer`."""
    fin, rep = company.finance, company.rep_east
    day = timezone.localdate() - timedelta(days=90)
    for k in range(n):
        inv = invoice(fin, customer, day, (f"{100 + k}.00", day + timedelta(days=30)))
        if k % 2:
            apply(
                fin, pay(fin, customer, f"{100 + k}.00", day), items(inv)[0], f"{100 + k}.00", day
            )
        services.interaction_create(
            actor=rep,
            customer_id=customer.pk,
            kind="call",
            summary=f"call {k}",
            next_step=f"step {k}",
            next_step_date=day + timedelta(days=k),
        )
        sales_services.opportunity_create(
            actor=rep,
            customer_id=customer.pk,
            name=f"deal {k}",
            amount=D(1000 + k),
            expected_close_date=timezone.localdate() + timedelta(days=k),
        )


@pytest.mark.parametrize("user", ["admin", "rep_east"])
def test_query_count_does_not_grow_with_the_customers_rows(
    client, company, user, django_assert_max_num_queries
):
    install_pipeline()
    customer = CustomerFactory(owner=company.rep_east)
    client.force_login(getattr(company, user))
    _grow(company, customer, 3)
    # The 360 with every panel (collections and tickets of issue #8 are the last added).
    with django_assert_max_num_queries(58) as small_page:
        assert client.get(f"/customers/{customer.pk}/").status_code == 200
    with django_assert_max_num_queries(40) as small_api:
        assert client.get(f"/api/v1/customers/{customer.pk}/overview").status_code == 200
    _grow(company, customer, 57)
    with django_assert_max_num_queries(len(small_page.captured_queries)):
        page = client.get(f"/customers/{customer.pk}/")
    with django_assert_max_num_queries(len(small_api.captured_queries)):
        body = client.get(f"/api/v1/customers/{customer.pk}/overview").json()
    assert body["invoices"]["count"] == 60 and len(body["invoices"]["rows"]) == LIST_SIZE
    assert body["interactions"]["count"] == 60 and body["opportunities"]["count"] == 60
    assert page.context["overview"].payments.count == 1 + 28  # odd k of each batch
    html = page.content.decode()
    assert f"/invoices/?customer_id={customer.pk}" in html and 'data-testid="all-payments"' in html


def test_api_answers_the_same_figures(client, company, book):
    client.force_login(company.rep_east)
    body = client.get(f"/api/v1/customers/{book.pk}/overview").json()
    f = body["figures"]
    assert (f["lifetime_revenue"], f["collected"], f["outstanding"], f["advances"]) == (
        "1450.00",
        "1000.00",
        "500.00",
        "250.00",
    )
    assert f["average_days_to_pay"] == "36.0" and f["currency"] == "CNY"
    assert body["invoices"]["rows"][0]["residual"] == "500.00"
    assert body["aging"]["rows"][0]["net"] == "250.00"
    assert body["next_action"]["next_step"] == "demo"
    assert body["open_pipeline"] == "0.00"
    client.force_login(company.rep_south)
    refused = client.get(f"/api/v1/customers/{book.pk}/overview")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "customer.not_found"
    client.force_login(UserFactory(roles=["collector"]))
    assert client.get(f"/api/v1/customers/{book.pk}/overview").json()["opportunities"] is None


def test_page_shows_the_360(client, company, book):
    client.force_login(company.rep_east)
    with translation.override("en"):
        html = client.get(f"/customers/{book.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for testid in (
        "customer-figures",
        "contacts",
        "interactions",
        "opportunities",
        "contracts",
        "invoices",
        "payments",
        "aging",
        "history",
        "credit-panel",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert "¥1,450.00" in html and "¥1,000.00" in html and "36.0" in html
    assert 'data-testid="overdue"' in html
    assert f"/opportunities/new/?customer={book.pk}" in html
    assert f"/invoices/new/?customer={book.pk}" in html
    # A collector sees no opportunities section and no "new opportunity" button.
    client.force_login(UserFactory(roles=["collector"]))
    html = client.get(f"/customers/{book.pk}/").content.decode()
    assert 'data-testid="opportunities"' not in html and "new-opportunity" not in html
    assert 'data-testid="figure-revenue"' in html
    # Out of scope: 404.
    client.force_login(company.rep_south)
    assert client.get(f"/customers/{book.pk}/").status_code == 404
