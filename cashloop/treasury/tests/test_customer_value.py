"""Customer value (decision 057): revenue, gross margin from the products' standard costs,
cost to collect, days to pay and their financing cost, per customer and ranked; its
settings; through the selector, the API and the page, with its error codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.collections.choices import ActivityOutcome
from cashloop.collections.models import DunningLog
from cashloop.collections.services import collection_activity_log
from cashloop.contracts.billing import contract_invoices_generate
from cashloop.contracts.choices import PlanDueRule
from cashloop.contracts.services import (
    ContractLineIn,
    PlanItemIn,
    contract_activate,
    contract_create,
)
from cashloop.core.errors import DomainError
from cashloop.cpq.services import product_create
from cashloop.receivables.choices import DueRule
from cashloop.receivables.services import (
    InstallmentIn,
    credit_note_create,
    invoice_create,
    invoice_issue,
    payment_auto_allocate,
    payment_create,
)
from cashloop.reports.tests.helpers import line_in
from cashloop.treasury.errors import TreasuryError
from cashloop.treasury.models import TreasurySettings
from cashloop.treasury.selectors import customer_value, treasury_settings
from cashloop.treasury.services import treasury_settings_update
from cashloop.treasury.value import Verdict
from tests.factories import CustomerFactory
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1/treasury"


@pytest.fixture
def sold(company, book):
    """Customer A bought on contract 100 days ago: 10 units of a product costing 600 at
    1,000 and 1,000 of training without a cost, 13% VAT; it paid the 12,430 after 40 days.
    The book's customer B owes 120,000 invoiced 20 days ago (no cost known); it was dunned
    three times and called twice."""
    today = timezone.localdate()
    product = product_create(
        actor=company.admin,
        code="BOX",
        name="服务器",
        tax_rate=D("0.13"),
        standard_cost=D("600"),
    )
    a = CustomerFactory(owner=company.rep_east, name="甲公司")
    signed = today - timedelta(days=100)
    draft = contract_create(
        actor=company.rep_east,
        customer_id=a.pk,
        title="服务器采购",
        start_date=signed,
        end_date=signed + timedelta(days=365),
        signing_date=signed,
        lines=[
            ContractLineIn(product.pk, "服务器", D("10"), D("1000.00"), D("0.13")),
            ContractLineIn(None, "培训", D("2"), D("500.00"), D("0.13")),
        ],
        plan=[PlanItemIn("全款", percent=D("100"), due_rule=PlanDueRule.ON_SIGNING)],
    )
    contract_activate(actor=company.manager_east, contract_id=draft.pk)
    (invoice,) = contract_invoices_generate(actor=company.finance, on=signed)
    assert invoice.total == D("12430.00")
    paid = signed + timedelta(days=40)
    payment = payment_create(
        actor=company.finance, customer_id=a.pk, amount=D("12430.00"), payment_date=paid
    )
    payment_auto_allocate(actor=company.finance, payment_id=payment.pk, allocation_date=paid)
    for days in (1, 8, 15):
        DunningLog.objects.create(
            customer=book,
            run_date=today - timedelta(days=days),
            level_name="提醒",
            days_overdue=days,
            currency="CNY",
        )
    for _ in range(2):
        collection_activity_log(
            actor=company.finance,
            customer_id=book.pk,
            kind="call",
            outcome=ActivityOutcome.NO_ANSWER,
            summary="无人接听",
        )
    return {"a": a, "b": book, "product": product}


def test_each_customer_s_margin_collecting_and_waiting_are_counted(treasurer, sold):
    ranking = customer_value(user=treasurer)

    a, b = (next(r for r in ranking.rows if r.customer_id == sold[k].pk) for k in ("a", "b"))
    # A: 10,000 at a known cost of 6,000, and 1,000 at the assumed 30%.
    assert (a.revenue, a.gross_margin, a.cost_known_percent) == (D("11000"), D("4300"), 90.9)
    assert (a.reminders, a.contacts, a.cost_to_collect) == (0, 0, D("0"))
    # 12,430 owed for 40 days at 6% a year.
    assert a.days_to_pay == 40 and a.financing_cost == D("81.73")
    assert a.contribution == D("4218.27")
    # B: 120,000 at the assumed 30%; three messages at 5 and two calls at 50; still open
    # after 20 days.
    assert (b.revenue, b.gross_margin) == (D("120000"), D("36000"))
    assert (b.reminders, b.contacts, b.cost_to_collect) == (3, 2, D("115"))
    assert b.days_to_pay == 20 and b.financing_cost == D("394.52")
    assert b.contribution == D("35490.48")
    assert [r.customer_id for r in ranking.rows] == [b.customer_id, a.customer_id]
    assert (b.revenue_rank, b.value_rank, a.revenue_rank, a.value_rank) == (1, 1, 2, 2)
    assert a.verdict == b.verdict == Verdict.MAKES_MONEY
    total = ranking.total
    assert (total.revenue, total.gross_margin, total.cost_to_collect) == (
        D("131000"),
        D("40300"),
        D("115"),
    )
    assert total.financing_cost == D("476.25")  # (12,430 x 40 + 120,000 x 20) x 6% / 365
    assert total.contribution == D("39708.75")
    # The slowest payer first.
    slow = customer_value(user=treasurer, sort="days_to_pay")
    assert [r.customer_id for r in slow.rows] == [a.customer_id, b.customer_id]
    # One month back, A's invoice of 100 days ago is out.
    recent = customer_value(user=treasurer, months=1)
    assert [r.customer_id for r in recent.rows] == [b.customer_id]
    assert_verified()


def test_the_treasurer_s_costs_decide_who_loses_money(treasurer, sold):
    treasury_settings_update(actor=treasurer, contact_cost=D("20000"))
    ranking = customer_value(user=treasurer)

    by_id = {r.customer_id: r for r in ranking.rows}
    b = by_id[sold["b"].pk]
    assert b.cost_to_collect == D("40015") and b.contribution < 0
    assert b.verdict == Verdict.LOSES_MONEY
    assert by_id[sold["a"].pk].verdict == Verdict.MAKES_MONEY
    # No margin assumed where no cost is known: A keeps its known part.
    treasury_settings_update(actor=treasurer, assumed_margin_percent=D("0"))
    a = next(r for r in customer_value(user=treasurer).rows if r.customer_id == sold["a"].pk)
    assert a.gross_margin == D("4000")


def test_a_credit_note_lowers_revenue_and_margin(company, treasurer, sold):
    invoice = sold["b"].invoices.get()
    credit_note_create(
        actor=company.finance,
        invoice_id=invoice.pk,
        lines=[line_in("20000.00")],
        reason="价格调整",
        credit_date=timezone.localdate(),
    )
    b = next(r for r in customer_value(user=treasurer).rows if r.customer_id == sold["b"].pk)
    assert (b.revenue, b.gross_margin) == (D("100000"), D("16000"))
    assert_verified()


def test_a_thin_customer_brings_revenue_not_money(company, treasurer, sold):
    # C bought 10,000 five days ago and was sent forty messages.
    c = CustomerFactory(owner=company.rep_east, name="丙公司")
    today = timezone.localdate()
    draft = invoice_create(
        actor=company.finance,
        customer_id=c.pk,
        issue_date=today - timedelta(days=5),
        lines=[line_in("10000.00")],
        installments=[InstallmentIn(share=D(1), due_rule=DueRule.DAYS_AFTER, due_days=30)],
    )
    invoice_issue(actor=company.finance, invoice_id=draft.pk)
    for days in range(40):
        DunningLog.objects.create(
            customer=c,
            run_date=today - timedelta(days=days),
            level_name="提醒",
            days_overdue=days,
            currency="CNY",
        )
    row = next(r for r in customer_value(user=treasurer).rows if r.customer_id == c.pk)
    # 3,000 of margin less 200 of messages and 8.22 of financing: 27.9% of revenue, the
    # company's 30.1%.
    assert (row.cost_to_collect, row.contribution_percent) == (D("200"), 27.9)
    assert row.verdict == Verdict.MAKES_MONEY
    treasury_settings_update(actor=treasurer, reminder_cost=D("50"))
    row = next(r for r in customer_value(user=treasurer).rows if r.customer_id == c.pk)
    # Less 2,000 of messages: 9.9% of revenue, under half the company's 28.8%.
    assert row.contribution_percent == 9.9 and row.verdict == Verdict.THIN


def test_bad_input_is_refused_and_changes_nothing(company, treasurer, sold):
    before = treasury_settings()
    for kwargs, code in (
        ({"months": 0}, TreasuryError.VALUE_MONTHS_INVALID),
        ({"months": 37}, TreasuryError.VALUE_MONTHS_INVALID),
        ({"sort": "name"}, TreasuryError.VALUE_SORT_INVALID),
    ):
        with pytest.raises(DomainError) as refused:
            customer_value(user=treasurer, **kwargs)
        assert refused.value.code == code
    for kwargs, code in (
        ({"financing_rate_percent": D("101")}, TreasuryError.PERCENT_INVALID),
        ({"assumed_margin_percent": D("-1")}, TreasuryError.PERCENT_INVALID),
        ({"reminder_cost": D("-0.01")}, TreasuryError.COST_INVALID),
        ({"contact_cost": D("-5"), "financing_rate_percent": D("9")}, TreasuryError.COST_INVALID),
    ):
        with pytest.raises(DomainError) as refused:
            treasury_settings_update(actor=treasurer, **kwargs)
        assert refused.value.code == code
    assert not TreasurySettings.objects.exists()
    assert treasury_settings().financing_rate_percent == before.financing_rate_percent
    with pytest.raises(DomainError) as refused:
        customer_value(user=company.rep_east)
    assert refused.value.code.code == "permission.denied"


def test_the_api_ranks_pages_and_sets_what_collecting_costs(client, company, treasurer, sold):
    client.force_login(treasurer)
    ranking = client.get(f"{API}/customer-value?months=12&sort=revenue&limit=1").json()
    assert (ranking["count"], ranking["currency"]) == (2, "CNY")
    (first,) = ranking["rows"]
    assert (first["name"], first["revenue"], first["verdict"]) == (
        "华东客户",
        "120000.00",
        "makes_money",
    )
    assert ranking["total"]["contribution"] == "39708.75"
    second = client.get(f"{API}/customer-value?sort=revenue&offset=1").json()["rows"]
    assert [r["name"] for r in second] == ["甲公司"] and second[0]["days_to_pay"] == 40
    bad = client.get(f"{API}/customer-value?months=40")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "treasury.value_months_invalid"
    settings = client.get(f"{API}/value-settings").json()
    assert settings == {
        "financing_rate_percent": "6.00",
        "reminder_cost": "5.00",
        "contact_cost": "50.00",
        "assumed_margin_percent": "30.00",
    }
    changed = client.put(
        f"{API}/value-settings",
        {**settings, "financing_rate_percent": "12"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["financing_rate_percent"] == "12.00"
    a = next(r for r in client.get(f"{API}/customer-value").json()["rows"] if r["name"] == "甲公司")
    assert a["financing_cost"] == "163.46"  # 12,430 x 40 days at 12%
    refused = client.put(
        f"{API}/value-settings",
        {**settings, "contact_cost": "-1"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "treasury.cost_invalid"
    assert refused.json()["error"]["details"] == {"field": "contact_cost"}
    assert treasury_settings().contact_cost == D("50.00")
    client.force_login(company.rep_east)
    assert client.get(f"{API}/customer-value").status_code == 403


def test_a_product_s_standard_cost_through_the_api(client, company):
    client.force_login(company.admin)
    made = client.post(
        "/api/v1/products",
        {"code": "DISK", "name": "硬盘", "tax_rate": "0.13", "standard_cost": "321.555"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    assert D(made.json()["standard_cost"]) == D("321.56")
    bad = client.patch(
        f"/api/v1/products/{made.json()['id']}",
        {"standard_cost": "-1"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "product.cost_negative"
    unknown = client.patch(
        f"/api/v1/products/{made.json()['id']}",
        {"standard_cost": None},
        content_type="application/json",
    )
    assert unknown.json()["standard_cost"] is None


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_ranks_and_saves_its_settings(
    client, treasurer, sold, language, django_assert_max_num_queries
):
    client.force_login(treasurer)
    with django_assert_max_num_queries(30):
        page = client.get("/treasury/value/?sort=days_to_pay", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("甲公司") < html.index("华东客户")
    assert ("Makes money" if language == "en" else "赚钱") in html
    assert 'data-testid="value-settings-form"' in html
    saved = client.post(
        "/treasury/value/settings/",
        {
            "financing_rate_percent": "8",
            "reminder_cost": "5",
            "contact_cost": "-3",
            "assumed_margin_percent": "30",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert saved.status_code == 200 and "value-settings-form" in saved.content.decode()
    assert treasury_settings().financing_rate_percent == D("6.00")
    wrong = client.get("/treasury/value/?months=99", HTTP_ACCEPT_LANGUAGE=language)
    assert wrong.status_code == 302
