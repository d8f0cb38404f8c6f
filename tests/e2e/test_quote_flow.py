"""A quote through the browser: an admin adds a product and its price book, a rep builds a
quote in the builder (the totals follow the lines), submits a discount above the rule's
maximum, the manager approves it in the approvals inbox, the rep sends it and the customer
accepts it, which makes the draft contract.

Data other than the catalog is made beforehand with the factories and services; after
that, everything goes through the pages.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from cashloop.approvals.services import approval_flow_create
from cashloop.contracts.models import Contract
from cashloop.cpq import services
from cashloop.cpq.models import PriceBook, Product, Quote
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Quote-2026-flow"


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign out whoever is signed in (server side: a late badge request cannot revive the
    session as clearing cookies would let it), then sign in as `username`."""
    if page.get_by_test_id("whoami").count():
        page.locator("header form[action='/logout/'] button").click()
        expect(page.locator("#id_username")).to_be_visible()
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_be_visible()


def test_rep_quotes_manager_approves_customer_accepts(page, shoot, live_server, company):
    base = live_server.url
    admin = UserFactory(
        username="cpq_admin", team=company.sales, roles=["admin"], password=PASSWORD
    )
    manager = UserFactory(
        username="cpq_mgr", team=company.east, roles=["sales_manager"], password=PASSWORD
    )
    rep = UserFactory(username="cpq_rep", team=company.east, roles=["sales_rep"], password=PASSWORD)
    customer = CustomerFactory(owner=rep, name="杭州青山茶业 Qingshan Tea")
    ContactFactory(customer=customer, email="buyer@qingshan.example")
    family = services.product_family_create(actor=admin, code="SW", name="软件", name_en="Software")
    services.discount_rule_create(
        actor=admin,
        name="软件折扣",
        family_id=family.pk,
        percent=Decimal(5),
        max_percent=Decimal(10),
    )
    approval_flow_create(
        actor=admin,
        document_type="cpq.quote",
        name="报价折扣审批",
        conditions={"field": "discount_over_max", "op": "gt", "value": "0"},
        steps=[{"approvers": [{"kind": "role", "value": "sales_manager"}], "rule": "any"}],
    )

    # The admin adds a product and prices it.
    sign_in(page, base, admin.username)
    page.goto(f"{base}/catalog/products/new/")
    shoot("product-form", both=True)
    page.locator("#id_code").fill("ERP-STD")
    page.locator("#id_name").fill("ERP 标准版")
    page.locator("#id_name_en").fill("ERP Standard")
    page.locator("#id_family_id").select_option(str(family.pk))
    page.locator("#id_unit").fill("套")
    page.get_by_test_id("save-product").click()
    expect(page.get_by_test_id("product-table")).to_contain_text("ERP-STD")
    shoot("products", both=True)
    product = Product.objects.get(code="ERP-STD")
    page.goto(f"{base}/catalog/price-books/new/")
    page.locator("#id_name").fill("标准价 2026")
    page.locator("#id_valid_from").fill("2026-01-01")
    page.locator("#id_price-0-product_id").select_option(str(product.pk))
    page.locator("#id_price-0-unit_price").fill("12000.00")
    page.locator("#id_price-1-product_id").select_option(str(product.pk))
    page.locator("#id_price-1-min_quantity").fill("5")
    page.locator("#id_price-1-unit_price").fill("11000.00")
    page.get_by_test_id("save-price-book").click()
    expect(page.get_by_test_id("price-book-table")).to_contain_text("标准价 2026")
    assert PriceBook.objects.get().entries.count() == 2

    # The rep builds a quote: the builder reprices as lines change.
    sign_in(page, base, rep.username)
    page.goto(f"{base}/quotes/")
    page.get_by_test_id("new-quote").click()
    page.locator("#id_customer").select_option(str(customer.pk))
    page.get_by_test_id("quote-create").click()
    expect(page.get_by_test_id("builder-form")).to_be_visible()
    page.get_by_test_id("product-search").fill("ERP")
    page.get_by_test_id("add-product-ERP-STD").click()
    # one at 12,000 less the rule's 5%: 11,400 net, 12,882 with 13% tax
    expect(page.get_by_test_id("quote-total")).to_contain_text("12,882.00")
    page.get_by_test_id("quantity-0").fill("5")
    page.get_by_test_id("quantity-0").press("Tab")
    # the volume tier: 5 x 11,000 less 5% = 52,250; with tax 59,042.50
    expect(page.get_by_test_id("quote-total")).to_contain_text("59,042.50")
    page.get_by_test_id("discount-0").fill("15")
    page.get_by_test_id("discount-0").press("Tab")
    # 15% off: 46,750 net, 52,827.50 with tax
    expect(page.get_by_test_id("quote-total")).to_contain_text("52,827.50")
    # The proposed payment plan: 30% on signing, the rest 30 days after the acceptance;
    # the remainder to allocate follows as installments are typed.
    page.get_by_test_id("add-installment").click()
    page.locator("#id_plan-0-label").fill("预付款")
    page.locator("#id_plan-0-percent").fill("30")
    page.locator("#id_plan-0-percent").press("Tab")
    expect(page.get_by_test_id("plan-remainder")).to_contain_text("36,979.25")
    page.get_by_test_id("add-installment").click()
    page.locator("#id_plan-1-label").fill("验收款")
    page.locator("#id_plan-1-percent").fill("70")
    page.locator("#id_plan-1-due_rule").select_option("on_milestone")
    page.locator("#id_plan-1-due_days").fill("30")
    page.locator("#id_plan-1-milestone").fill("上线验收")
    page.locator("#id_plan-1-milestone").press("Tab")
    expect(page.get_by_test_id("plan-remainder")).to_have_class("remainder ok")
    shoot("builder", both=False)
    page.get_by_test_id("save-quote").click()
    expect(page.get_by_test_id("detail-total")).to_contain_text("52,827.50")
    quote = Quote.objects.get()
    assert [item["milestone"] for item in quote.payment_plan] == ["", "上线验收"]

    # 15% is above the rule's 10%: it waits for the manager.
    page.get_by_test_id("submit-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Waiting for approval")
    shoot("waiting", both=True)

    sign_in(page, base, manager.username)
    page.goto(f"{base}/approvals/")
    page.get_by_test_id("waiting").locator("a").first.click()
    shoot("approval-request", both=True)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("action-form")).to_have_count(0)
    quote.refresh_from_db()
    assert quote.status == "approved"

    # The rep sends it, and the customer accepts: the draft contract appears.
    sign_in(page, base, rep.username)
    page.goto(f"{base}/quotes/{quote.pk}/")
    page.get_by_test_id("send-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Sent")
    page.get_by_test_id("accept-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("quote-contract")).to_be_visible()
    shoot("accepted", both=True)
    contract = Contract.objects.get(quote=quote)
    assert contract.customer_id == customer.pk
    assert contract.milestones.get().name == "上线验收"
    page.goto(f"{base}/quotes/")
    expect(page.get_by_test_id(f"quote-row-{quote.pk}")).to_contain_text(quote.number)
    shoot("quote-list", both=True)
