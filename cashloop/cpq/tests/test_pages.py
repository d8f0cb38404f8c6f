"""CPQ pages: the builder prices as lines change, the quote page acts, the catalog lists."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from cashloop.cpq import services
from cashloop.cpq.models import CustomerPrice, Product, Quote, QuoteLine
from cashloop.cpq.tests.conftest import ON

D = Decimal


@pytest.fixture
def draft(company, customers, catalog):
    return services.quote_create(
        actor=company.rep_east, customer_id=customers["rep_east"].pk, quote_date=ON
    )


def test_new_quote_goes_to_the_builder(client, company, customers, catalog):
    client.force_login(company.rep_east)
    assert client.get("/quotes/new/").status_code == 200
    response = client.post(
        "/quotes/new/",
        {"customer": customers["rep_east"].pk, "quote_date": "2026-03-02", "language": "en"},
    )
    quote = Quote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quotes/{quote.pk}/builder/"
    assert (quote.currency, quote.language) == ("CNY", "en")


def test_recalc_prices_the_typed_lines_and_saves_nothing(client, company, draft, catalog):
    client.force_login(company.rep_east)
    url = f"/quotes/{draft.pk}/recalc/"
    # adding a product from the search appends a line, priced
    response = client.post(url, {"rows": "0", "add": catalog.license.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "1,000.00" in response.content.decode()
    # changing its quantity to a tier reprices it: 10 x 900 less 5% = 8,550
    response = client.post(
        url, {"rows": "1", "product-0": catalog.license.pk, "quantity-0": "10", "discount-0": ""}
    )
    html = response.content.decode()
    assert "8,550.00" in html
    assert "9,661.50" in html  # total with 13% tax
    assert not QuoteLine.objects.filter(quote=draft).exists()
    assert Quote.objects.get(pk=draft.pk).total == 0


def test_recalc_shows_a_refusal_in_place(client, company, draft, catalog):
    client.force_login(company.rep_east)
    with translation.override("en"):
        response = client.post(
            f"/quotes/{draft.pk}/recalc/",
            {"rows": "1", "product-0": catalog.seat.pk, "quantity-0": "-1"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "quote.bad_line" in response.content.decode()


def test_builder_saves_lines_and_header(client, company, draft, catalog):
    client.force_login(company.rep_east)
    response = client.post(
        f"/quotes/{draft.pk}/builder/",
        {
            "rows": "2",
            "product-0": catalog.kit.pk,
            "quantity-0": "1",
            "omit-0": catalog.support.pk,
            "product-1": catalog.seat.pk,
            "quantity-1": "2",
            "discount-1": "3",
            "valid_until": "2026-04-30",
            "language": "zh-hans",
            "terms": "款到发货",
            **plan_rows(),
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.get(pk=draft.pk)
    assert quote.terms == "款到发货"
    lines = list(QuoteLine.objects.filter(quote=quote).order_by("position"))
    assert [line.included for line in lines] == [True, True, False, True]
    assert lines[3].discount_percent == D(3)


def plan_rows(*rows: dict[str, str]) -> dict[str, str]:
    """The builder's payment-plan formset as the page posts it."""
    data = {"plan-TOTAL_FORMS": str(len(rows)), "plan-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        data |= {f"plan-{n}-{key}": value for key, value in row.items()}
    return data


DOWN = {"label": "预付款", "percent": "30", "due_rule": "on_signing", "due_days": "0"}
ON_ACCEPTANCE = {
    "label": "验收款",
    "percent": "70",
    "due_rule": "on_milestone",
    "due_days": "30",
    "milestone": "终验",
}


def test_builder_saves_the_proposed_payment_plan_and_shows_it_again(
    client, company, draft, catalog
):
    client.force_login(company.rep_east)
    lines = {"rows": "1", "product-0": catalog.seat.pk, "quantity-0": "2"}
    header = {"valid_until": "2026-04-30", "language": "zh-hans"}
    response = client.post(
        f"/quotes/{draft.pk}/builder/", {**lines, **header, **plan_rows(DOWN, ON_ACCEPTANCE)}
    )
    assert response.status_code == 302
    plan = Quote.objects.get(pk=draft.pk).payment_plan
    assert [(i["label"], i["percent"], i["due_rule"], i["milestone"]) for i in plan] == [
        ("预付款", "30", "on_signing", ""),
        ("验收款", "70", "on_milestone", "终验"),
    ]
    page = client.get(f"/quotes/{draft.pk}/builder/").content.decode()
    assert 'value="终验"' in page and 'data-testid="plan-remainder"' in page


def test_recalc_shows_what_the_plan_leaves_to_allocate(client, company, draft, catalog):
    client.force_login(company.rep_east)
    lines = {"rows": "1", "product-0": catalog.license.pk, "quantity-0": "10", "discount-0": ""}
    url = f"/quotes/{draft.pk}/recalc/"
    # total 9,661.50; 30% planned leaves 6,763.05
    half = client.post(url, {**lines, **plan_rows(DOWN)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Left to allocate: CN¥6,763.05" in half.content.decode()
    full = client.post(url, {**lines, **plan_rows(DOWN, ON_ACCEPTANCE)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The plan covers the total exactly." in full.content.decode()
    assert Quote.objects.get(pk=draft.pk).payment_plan == []


def test_builder_refuses_a_milestone_installment_without_its_milestone(
    client, company, draft, catalog
):
    client.force_login(company.rep_east)
    nameless = {**ON_ACCEPTANCE, "milestone": ""}
    response = client.post(
        f"/quotes/{draft.pk}/builder/",
        {
            "rows": "1",
            "product-0": catalog.seat.pk,
            "valid_until": "2026-04-30",
            "language": "en",
            **plan_rows(DOWN, nameless),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "quote.plan_invalid" in response.content.decode()
    quote = Quote.objects.get(pk=draft.pk)
    assert (quote.payment_plan, quote.lines.count()) == ([], 0)


def test_quote_page_submits_and_the_customer_rejects_with_a_reason(client, company, draft, catalog):
    services.quote_lines_set(
        actor=company.rep_east,
        quote_id=draft.pk,
        lines=[services.QuoteLineIn(product_id=catalog.seat.pk)],
    )
    client.force_login(company.rep_east)
    page = client.get(f"/quotes/{draft.pk}/").content.decode()
    assert 'data-testid="submit-quote"' in page
    client.post(f"/quotes/{draft.pk}/action/submit/")
    assert Quote.objects.get(pk=draft.pk).status == "approved"
    client.post(f"/quotes/{draft.pk}/action/reject/", {"reason": ""})
    assert Quote.objects.get(pk=draft.pk).status == "approved"
    client.post(f"/quotes/{draft.pk}/action/reject/", {"reason": "选了别家"})
    quote = Quote.objects.get(pk=draft.pk)
    assert (quote.status, quote.rejection_reason) == ("rejected", "选了别家")
    assert client.post(f"/quotes/{draft.pk}/action/nonsense/").status_code == 404


def test_someone_elses_quote_is_a_404_page(client, company, draft):
    client.force_login(company.rep_south)
    assert client.get(f"/quotes/{draft.pk}/").status_code == 404
    assert client.post(f"/quotes/{draft.pk}/recalc/", {"rows": "0"}).status_code == 404


def test_catalog_pages_list_and_create(client, company, catalog):
    client.force_login(company.manager_east)
    for path in (
        "/catalog/products/",
        "/catalog/products/new/",
        f"/catalog/products/{catalog.suite.pk}/",
        "/catalog/families/",
        "/catalog/price-books/",
        "/catalog/price-books/new/",
        f"/catalog/price-books/{catalog.book.pk}/",
        "/catalog/customer-prices/",
        "/catalog/discount-rules/",
        "/quotes/",
    ):
        assert client.get(path).status_code == 200, path
    response = client.post(
        "/catalog/products/new/",
        {
            "code": "NEWB",
            "name": "新套件",
            "kind": "product",
            "tax_rate": "0.13",
            "recognition": "at_invoicing",
            "is_bundle": "on",
            "active": "on",
            "component-TOTAL_FORMS": "1",
            "component-INITIAL_FORMS": "0",
            "component-0-product_id": catalog.seat.pk,
            "component-0-quantity": "4",
            "component-0-required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Product.objects.get(code="NEWB").components.get().quantity == D(4)
    # a rep reads the catalog but gets no create form
    client.force_login(company.rep_east)
    page = client.get("/catalog/discount-rules/").content.decode()
    assert 'data-testid="catalog-create"' not in page
    assert client.post("/catalog/discount-rules/", {"name": "x"}).status_code == 403
    assert client.get("/catalog/products/new/").status_code == 403


def test_a_manager_changes_a_discount_rule_from_its_list(client, company, catalog):
    client.force_login(company.manager_east)
    url = f"/catalog/discount-rules/?edit={catalog.rule.pk}"
    page = client.get(url).content.decode()
    assert 'value="软件 5%"' in page
    response = client.post(
        url, {"name": "软件 5%", "priority": "10", "percent": "5", "max_percent": "12"}
    )
    assert response.status_code == 302
    catalog.rule.refresh_from_db()
    assert (catalog.rule.priority, catalog.rule.max_percent, catalog.rule.active) == (
        10,
        D(12),
        False,
    )
    # a percent above the maximum is refused in the form, nothing changes
    response = client.post(
        url, {"name": "x", "priority": "1", "percent": "20", "max_percent": "12"}
    )
    assert response.status_code == 200
    assert "discount_rule.limits" in response.content.decode()
    catalog.rule.refresh_from_db()
    assert catalog.rule.name == "软件 5%"
    client.force_login(company.rep_east)
    assert client.get(url).status_code == 403


def test_a_quote_for_a_lead_or_for_nobody(client, company, catalog):
    from cashloop.sales.models import Lead

    lead = Lead.objects.create(company_name="新线索公司", owner=company.rep_east, team=company.east)
    client.force_login(company.rep_east)
    response = client.post("/quotes/new/", {"quote_date": "2026-03-02", "language": "zh-hans"})
    assert response.status_code == 200
    assert "quote.customer_or_lead" in response.content.decode()
    assert not Quote.objects.exists()
    client.post("/quotes/new/", {"lead": lead.pk, "quote_date": "2026-03-02", "language": "en"})
    quote = Quote.objects.get()
    assert (quote.lead_id, quote.customer_id, quote.currency) == (lead.pk, None, "CNY")


def test_contracted_prices_are_edited_and_deleted_on_their_page(
    client, company, customers, catalog
):
    price = services.customer_price_create(
        actor=company.admin,
        customer_id=customers["rep_east"].pk,
        product_id=catalog.license.pk,
        currency="CNY",
        unit_price=D("800.00"),
        valid_from=ON,
    )
    client.force_login(company.manager_east)
    page = client.get(f"/catalog/customer-prices/?edit={price.pk}").content.decode()
    assert 'value="800.' in page and 'data-testid="delete-customer-price-' in page
    # the customer, product and currency are fixed: a changed customer is ignored
    response = client.post(
        f"/catalog/customer-prices/?edit={price.pk}",
        {
            "customer": customers["rep_south"].pk,
            "unit_price": "780.00",
            "valid_from": "2026-03-02",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 302
    price.refresh_from_db()
    assert (price.unit_price, str(price.valid_until)) == (D("780.00"), "2026-12-31")
    assert price.customer == customers["rep_east"]
    # an end before the start is refused in the form, and nothing changes
    response = client.post(
        f"/catalog/customer-prices/?edit={price.pk}",
        {"unit_price": "1.00", "valid_from": "2026-03-02", "valid_until": "2026-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "before valid_from" in response.content.decode()
    price.refresh_from_db()
    assert price.unit_price == D("780.00")
    client.post(f"/catalog/customer-prices/{price.pk}/delete/")
    assert not CustomerPrice.objects.filter(pk=price.pk).exists()
    # a rep may not delete one
    other = services.customer_price_create(
        actor=company.admin,
        customer_id=customers["rep_east"].pk,
        product_id=catalog.seat.pk,
        currency="CNY",
        unit_price=D("30.00"),
        valid_from=ON,
    )
    client.force_login(company.rep_east)
    assert client.post(f"/catalog/customer-prices/{other.pk}/delete/").status_code in (403, 404)
    assert CustomerPrice.objects.filter(pk=other.pk).exists()
