"""Quotes through the API: build, reprice, submit, approve, send, revise, reject, expire;
bad input answers with a stable code and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from cashloop.approvals.services import approval_request_approve, approval_request_reject
from cashloop.cpq import services
from cashloop.cpq.models import Quote, QuoteLine
from cashloop.cpq.tests.conftest import ON
from tests.factories import ContactFactory

D = Decimal


def post(client, path, payload=None):
    return client.post(path, payload or {}, content_type="application/json")


def put(client, path, payload):
    return client.put(path, payload, content_type="application/json")


def _new(client, customer, **extra):
    response = post(
        client,
        "/api/v1/quotes",
        {"customer_id": customer.pk, "quote_date": ON.isoformat(), **extra},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_rep_builds_a_quote_and_gets_it_repriced(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    assert (quote["status"], quote["currency"], quote["version"]) == ("draft", "CNY", 1)
    assert quote["valid_until"] == (ON + timedelta(days=30)).isoformat()
    response = put(
        client,
        f"/api/v1/quotes/{quote['id']}/lines",
        {
            "lines": [
                {"product_id": catalog.license.pk, "quantity": "10"},
                {
                    "product_id": catalog.suite.pk,
                    "quantity": "1",
                    "components": [{"product_id": catalog.support.pk, "included": False}],
                },
            ]
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # 10 x 900 less 5% = 8550 (13% tax 1111.50); the suite 1800 (tax 234)
    assert [line["net"] for line in body["lines"]] == ["8550.00", "1800.00", "0.00", "0.00"]
    assert body["lines"][0]["discount_rule_id"] == catalog.rule.pk
    assert body["lines"][2]["parent_id"] == body["lines"][1]["id"]
    assert body["lines"][3]["included"] is False
    assert (body["subtotal"], body["tax_total"], body["total"]) == (
        "10350.00",
        "1345.50",
        "11695.50",
    )
    assert body["discount_total"] == "450.00"


def test_500_lines_with_bundles_reprice_in_a_bounded_number_of_queries(
    client, company, customers, catalog, django_assert_max_num_queries
):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}/lines"
    products = [catalog.license, catalog.seat, catalog.suite, catalog.kit, catalog.support]

    def lines(count):
        return {
            "lines": [{"product_id": products[n % 5].pk, "quantity": "3"} for n in range(count)]
        }

    def reads_and_writes(captured):
        inserts = [q for q in captured if q["sql"].startswith("INSERT")]
        return len(captured) - len(inserts), len(inserts)

    with django_assert_max_num_queries(40) as few:
        assert put(client, url, lines(5)).status_code == 200
    # 500 lines become 900 rows with the bundles' components
    with django_assert_max_num_queries(60) as many:
        response = put(client, url, lines(500))
    assert response.status_code == 200
    assert len(response.json()["lines"]) == 900
    assert QuoteLine.objects.filter(quote_id=quote["id"]).count() == 900
    few_reads, _ = reads_and_writes(few.captured_queries)
    many_reads, many_inserts = reads_and_writes(many.captured_queries)
    # Everything but the inserts is the same for 5 lines as for 500 ...
    assert many_reads == few_reads
    # ... and the lines are inserted in batches as the engine's parameter limit forces (one
    # for the bundle lines and one for their components on PostgreSQL), plus the audit row.
    assert many_inserts <= (3 if connection.vendor == "postgresql" else 20)


def test_quote_in_a_currency_with_no_price_is_refused(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"], currency="USD")
    response = put(
        client, f"/api/v1/quotes/{quote['id']}/lines", {"lines": [{"product_id": catalog.seat.pk}]}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "quote.no_price"
    assert error["details"] == {"product_id": catalog.seat.pk, "currency": "USD"}
    assert not QuoteLine.objects.filter(quote_id=quote["id"]).exists()
    assert Quote.objects.get(pk=quote["id"]).total == 0


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 422, "quote.customer_or_lead"),
        ({"currency": "XXZ"}, 422, "money.unknown_currency"),
        ({"valid_until": "2026-03-01"}, 422, "quote.dates"),
        (
            {"payment_plan": [{"label": "首付", "due_rule": "on_signing"}]},
            422,
            "quote.plan_invalid",
        ),
        ({"colour": "red"}, 422, "request.invalid"),
    ],
)
def test_bad_quote_input_answers_with_a_code_and_creates_nothing(
    client, company, customers, catalog, payload, status, code
):
    client.force_login(company.rep_east)
    base = {"customer_id": customers["rep_east"].pk, "quote_date": ON.isoformat()}
    if payload == {}:
        base.pop("customer_id")
    response = post(client, "/api/v1/quotes", {**base, **payload})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Quote.objects.exists()


def test_bad_lines_are_refused_whole(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}/lines"
    assert put(client, url, {"lines": [{"product_id": catalog.seat.pk}]}).status_code == 200
    for lines, code in [
        ([{"product_id": catalog.seat.pk, "quantity": "0"}], "quote.bad_line"),
        ([{"product_id": catalog.seat.pk, "discount_percent": "100"}], "quote.bad_line"),
        ([{"product_id": 999999}], "quote.bad_line"),
        (
            [{"description": "自由行", "unit_price": "1", "tax_rate": "0.13"}],
            "quote.free_line_not_allowed",
        ),
        (
            [
                {
                    "product_id": catalog.suite.pk,
                    "components": [{"product_id": catalog.license.pk, "included": False}],
                }
            ],
            "quote.component_required",
        ),
    ]:
        response = put(client, url, {"lines": [{"product_id": catalog.license.pk}, *lines]})
        assert response.json()["error"]["code"] == code, lines
        rows = QuoteLine.objects.filter(quote_id=quote["id"])
        assert [r.product_id for r in rows] == [catalog.seat.pk]


def test_discount_over_max_without_a_flow_is_refused_and_nothing_changes(
    client, company, customers, catalog
):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    put(
        client,
        f"/api/v1/quotes/{quote['id']}/lines",
        {"lines": [{"product_id": catalog.license.pk, "discount_percent": "12"}]},
    )
    response = post(client, f"/api/v1/quotes/{quote['id']}/submit")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "quote.discount_over_max"
    row = Quote.objects.get(pk=quote["id"])
    assert (row.status, row.number) == ("draft", "")


def test_discount_within_max_is_approved_at_once_and_numbered(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    put(
        client,
        f"/api/v1/quotes/{quote['id']}/lines",
        {"lines": [{"product_id": catalog.license.pk, "discount_percent": "10"}]},
    )
    body = post(client, f"/api/v1/quotes/{quote['id']}/submit").json()
    assert body["status"] == "approved"
    assert body["number"] == "QUO-2026-000001"


def test_discount_over_max_waits_for_the_manager_then_is_sent_with_its_pdf(
    client, company, customers, catalog, flow
):
    # given a draft 15% off a line whose rule allows 10%
    ContactFactory(customer=customers["rep_east"], email="buyer@example.com")
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}"
    put(
        client,
        f"{url}/lines",
        {"lines": [{"product_id": catalog.license.pk, "discount_percent": "15"}]},
    )
    # when submitted it waits
    body = post(client, f"{url}/submit").json()
    assert body["status"] == "pending_approval"
    request_id = body["approval_request_id"]
    assert post(client, f"{url}/send").json()["error"]["code"] == "quote.wrong_status"
    # then the manager approves
    approval_request_approve(actor=company.manager_east, request_id=request_id)
    assert client.get(url).json()["status"] == "approved"
    # and the rep sends it: one email with the PDF
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("cashloop.cpq.tasks.quote_pdf", lambda quote: b"%PDF-1.7 test")
        with django_capture_on_commit(client):
            response = post(client, f"{url}/send")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buyer@example.com"]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"


def django_capture_on_commit(client):
    """on_commit callbacks run at the end of the request in these (transactional) tests."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_rejected_approval_sends_the_quote_back_to_draft_with_the_reason(
    client, company, customers, catalog, flow
):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}"
    put(
        client,
        f"{url}/lines",
        {"lines": [{"product_id": catalog.license.pk, "discount_percent": "20"}]},
    )
    request_id = post(client, f"{url}/submit").json()["approval_request_id"]
    approval_request_reject(actor=company.manager_east, request_id=request_id, reason="太低了")
    body = client.get(url).json()
    assert (body["status"], body["rejection_reason"]) == ("draft", "太低了")
    # the draft can be changed again and resubmitted: the number stays
    put(
        client,
        f"{url}/lines",
        {"lines": [{"product_id": catalog.license.pk, "discount_percent": "8"}]},
    )
    again = post(client, f"{url}/submit").json()
    assert (again["status"], again["number"]) == ("approved", "QUO-2026-000001")


def test_revise_keeps_the_earlier_version_and_copies_the_lines(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}"
    put(client, f"{url}/lines", {"lines": [{"product_id": catalog.kit.pk, "quantity": "2"}]})
    post(client, f"{url}/submit")
    # an approved quote no longer changes its lines
    refused = put(client, f"{url}/lines", {"lines": []})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "quote.not_draft")
    response = post(client, f"{url}/revise")
    assert response.status_code == 201
    new = response.json()
    old = client.get(url).json()
    assert (old["status"], new["status"], new["version"]) == ("superseded", "draft", 2)
    assert new["root_id"] == old["id"] and new["number"] == old["number"]
    assert [(line["description"], line["net"]) for line in new["lines"]] == [
        (line["description"], line["net"]) for line in old["lines"]
    ]
    assert new["lines"][1]["parent_id"] == new["lines"][0]["id"]
    assert new["total"] == old["total"]
    # a superseded version cannot be revised again
    assert post(client, f"{url}/revise").json()["error"]["code"] == "quote.wrong_status"


def test_customer_rejection_needs_a_reason(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    url = f"/api/v1/quotes/{quote['id']}"
    put(client, f"{url}/lines", {"lines": [{"product_id": catalog.seat.pk}]})
    post(client, f"{url}/submit")
    refused = post(client, f"{url}/reject", {"reason": "  "})
    assert refused.json()["error"]["code"] == "quote.reason_required"
    assert Quote.objects.get(pk=quote["id"]).status == "approved"
    body = post(client, f"{url}/reject", {"reason": "预算不足"}).json()
    assert (body["status"], body["rejection_reason"]) == ("rejected", "预算不足")


def test_expiry_runs_daily_and_twice_changes_nothing(company, customers, catalog):
    quote = services.quote_create(
        actor=company.rep_east,
        customer_id=customers["rep_east"].pk,
        quote_date=ON,
        valid_until=ON + timedelta(days=5),
    )
    services.quote_lines_set(
        actor=company.rep_east,
        quote_id=quote.pk,
        lines=[services.QuoteLineIn(product_id=catalog.seat.pk)],
    )
    services.quote_submit(actor=company.rep_east, quote_id=quote.pk)
    assert services.quote_expire_due(on=ON + timedelta(days=5)) == 0
    assert services.quote_expire_due(on=ON + timedelta(days=6)) == 1
    assert services.quote_expire_due(on=ON + timedelta(days=6)) == 0
    assert Quote.objects.get(pk=quote.pk).status == "expired"


def test_quotes_are_scoped_to_their_owner_and_team(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"])
    client.force_login(company.rep_south)
    assert client.get(f"/api/v1/quotes/{quote['id']}").status_code == 404
    assert client.get("/api/v1/quotes").json()["count"] == 0
    # a rep cannot quote a customer they cannot see
    response = post(client, "/api/v1/quotes", {"customer_id": customers["rep_east"].pk})
    assert response.json()["error"]["code"] == "customer.not_found"
    client.force_login(company.manager_east)
    assert client.get(f"/api/v1/quotes/{quote['id']}").status_code == 200
    client.force_login(company.viewer)
    assert client.get(f"/api/v1/quotes/{quote['id']}").status_code == 200
    response = post(client, "/api/v1/quotes", {"customer_id": customers["rep_east"].pk})
    assert response.status_code == 403


def test_pdf_renders_in_the_quote_language(client, company, customers, catalog):
    client.force_login(company.rep_east)
    quote = _new(client, customers["rep_east"], language="en")
    put(
        client, f"/api/v1/quotes/{quote['id']}/lines", {"lines": [{"product_id": catalog.suite.pk}]}
    )
    response = client.get(f"/api/v1/quotes/{quote['id']}/pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_payment_plan_must_cover_the_total_at_submit(client, company, customers, catalog):
    client.force_login(company.rep_east)
    plan = [
        {"label": "预付", "percent": "30", "due_rule": "on_signing", "due_days": 10},
        {"label": "验收", "percent": "60", "due_rule": "on_milestone", "milestone": "验收"},
    ]
    quote = _new(client, customers["rep_east"], payment_plan=plan)
    url = f"/api/v1/quotes/{quote['id']}"
    put(client, f"{url}/lines", {"lines": [{"product_id": catalog.seat.pk}]})
    refused = post(client, f"{url}/submit")
    assert refused.json()["error"]["code"] == "quote.plan_sum"
    plan[1]["percent"] = "70"
    assert (
        client.patch(url, {"payment_plan": plan}, content_type="application/json").status_code
        == 200
    )
    assert post(client, f"{url}/submit").json()["status"] == "approved"


def test_catalog_bad_input(client, company, catalog):
    client.force_login(company.admin)
    cases = [
        (
            "/api/v1/products",
            {"code": "LIC", "name": "x", "tax_rate": "0.13"},
            409,
            "catalog.code_taken",
        ),
        (
            "/api/v1/products",
            {"code": "X1", "name": "x", "tax_rate": "0.12"},
            422,
            "product.tax_rate",
        ),
        (
            "/api/v1/products",
            {
                "code": "B2",
                "name": "x",
                "tax_rate": "0.13",
                "is_bundle": True,
                "components": [{"product_id": catalog.suite.pk}],
            },
            422,
            "product.bad_component",
        ),
        (
            "/api/v1/price-books",
            {
                "name": "x",
                "currency": "CNY",
                "valid_from": "2026-01-01",
                "entries": [{"product_id": catalog.seat.pk, "unit_price": "1.005"}],
            },
            422,
            "price_book.bad_tier",
        ),
        (
            "/api/v1/discount-rules",
            {"name": "x", "percent": "20", "max_percent": "10"},
            422,
            "discount_rule.limits",
        ),
        ("/api/v1/products/families", {"code": "SW", "name": "x"}, 409, "catalog.code_taken"),
    ]
    for path, payload, status, code in cases:
        response = post(client, path, payload)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), path
    response = client.patch(
        f"/api/v1/products/families/{catalog.software.pk}",
        {"parent_id": catalog.saas.pk},
        content_type="application/json",
    )
    assert response.json()["error"]["code"] == "product_family.cycle"


def test_catalog_is_kept_by_managers_and_read_by_reps(client, company, catalog):
    client.force_login(company.rep_east)
    assert client.get("/api/v1/products").json()["count"] == 5
    assert client.get("/api/v1/price-books").status_code == 200
    assert client.get("/api/v1/discount-rules").status_code == 200
    assert client.get("/api/v1/customer-groups").status_code == 200
    denied = post(client, "/api/v1/products", {"code": "N", "name": "n", "tax_rate": "0.13"})
    assert denied.status_code == 403
    client.force_login(company.manager_east)
    response = post(
        client,
        "/api/v1/products",
        {
            "code": "NEW",
            "name": "新品",
            "tax_rate": "0.13",
            "is_bundle": True,
            "components": [{"product_id": catalog.seat.pk, "quantity": "5"}],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["components"][0]["quantity"] == "5"


def test_accepting_a_sent_quote_makes_its_draft_contract(client, company, customers, catalog):
    from cashloop.contracts.models import Contract

    ContactFactory(customer=customers["rep_east"], email="buyer@example.com")
    client.force_login(company.rep_east)
    plan = [
        {"label": "预付", "percent": "30", "due_rule": "on_signing", "due_days": 10},
        {"label": "验收款", "percent": "70", "due_rule": "on_milestone", "milestone": "上线验收"},
    ]
    quote = _new(client, customers["rep_east"], payment_plan=plan)
    url = f"/api/v1/quotes/{quote['id']}"
    put(client, f"{url}/lines", {"lines": [{"product_id": catalog.kit.pk, "quantity": "2"}]})
    post(client, f"{url}/submit")
    post(client, f"{url}/send")
    response = post(client, f"{url}/accept")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    contract = Contract.objects.get(quote_id=quote["id"])
    assert contract.customer_id == customers["rep_east"].pk
    assert contract.total == Quote.objects.get(pk=quote["id"]).total
    # accepted is final: neither a second accept nor a rejection
    assert post(client, f"{url}/accept").json()["error"]["code"] == "quote.wrong_status"
    assert Contract.objects.filter(quote_id=quote["id"]).count() == 1


def test_customer_group_is_set_and_filtered_through_the_customer_api(
    client, company, customers, catalog
):
    client.force_login(company.manager_east)
    customer = customers["rep_east"]
    response = client.patch(
        f"/api/v1/customers/{customer.pk}",
        {"group_id": catalog.distributors.pk},
        content_type="application/json",
    )
    assert response.json()["group_id"] == catalog.distributors.pk
    created = post(
        client,
        "/api/v1/customers",
        {
            "code": "GRP1",
            "name": "经销商甲",
            "currency": "CNY",
            "group_id": catalog.distributors.pk,
        },
    )
    assert created.status_code == 201, created.content
    listed = client.get(f"/api/v1/customers?group_id={catalog.distributors.pk}").json()
    assert sorted(row["id"] for row in listed["items"]) == sorted(
        [customer.pk, created.json()["id"]]
    )
    refused = client.patch(
        f"/api/v1/customers/{customer.pk}", {"group_id": 999999}, content_type="application/json"
    )
    assert refused.status_code == 422


def _agreed(company, customer, catalog):
    return services.customer_price_create(
        actor=company.admin,
        customer_id=customer.pk,
        product_id=catalog.license.pk,
        currency="CNY",
        unit_price=D("800.00"),
        valid_from=ON,
    )


def test_a_contracted_price_is_changed_and_ended_through_the_api(
    client, company, customers, catalog
):
    price = _agreed(company, customers["rep_east"], catalog)
    client.force_login(company.manager_east)
    url = f"/api/v1/price-books/customer-prices/{price.pk}"
    response = client.patch(
        url,
        {"unit_price": "750.00", "valid_until": (ON + timedelta(days=90)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["unit_price"], body["valid_until"]) == ("750.00", "2026-05-31")
    price.refresh_from_db()
    assert price.unit_price == D("750.00")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"valid_until": "2020-01-01"}, 422, "catalog.period"),
        ({"unit_price": "-5.00"}, 422, "price_book.bad_tier"),
        ({"currency": "USD"}, 422, "request.invalid"),
    ],
)
def test_bad_changes_to_a_contracted_price_change_nothing(
    client, company, customers, catalog, payload, status, code
):
    price = _agreed(company, customers["rep_east"], catalog)
    client.force_login(company.manager_east)
    response = client.patch(
        f"/api/v1/price-books/customer-prices/{price.pk}",
        payload,
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    if code:
        assert response.json()["error"]["code"] == code
    price.refresh_from_db()
    assert (price.unit_price, price.valid_until, price.currency) == (D("800.00"), None, "CNY")
