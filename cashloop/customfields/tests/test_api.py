"""Custom fields through the API: definitions, values on customers, filters, OpenAPI."""

from __future__ import annotations

import pytest

from cashloop.customers.models import Customer
from cashloop.customfields.models import CustomField

CUSTOMER = {"code": "ACME", "name": "艾克米", "currency": "CNY"}


def post(client, path, payload):  # type: ignore[no-untyped-def]
    return client.post(path, payload, content_type="application/json")


def patch(client, path, payload):  # type: ignore[no-untyped-def]
    return client.patch(path, payload, content_type="application/json")


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


def test_admin_defines_a_field_and_a_rep_sees_it_in_get(client, company, customers):
    client.force_login(company.admin)
    response = post(
        client,
        "/api/v1/custom-fields",
        {"object_type": "customers.customer", "key": "score", "label": "评分", "kind": "number"},
    )
    assert response.status_code == 201, response.content
    customer = customers["rep_east"]
    assert (
        patch(client, f"/api/v1/customers/{customer.pk}", {"custom": {"score": 7}}).status_code
        == 200
    )
    client.force_login(company.rep_east)
    body = client.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["custom"] == {"score": 7}
    listed = client.get("/api/v1/customers").json()["items"]
    assert {c["id"]: c["custom"] for c in listed}[customer.pk] == {"score": 7}


def test_post_validates_custom_values(client, company, industry, employees):
    client.force_login(company.rep_east)
    good = CUSTOMER | {"custom": {"industry": "mfg", "revenue_share": "12.5"}}
    response = post(client, "/api/v1/customers", good)
    assert response.status_code == 201, response.content
    assert response.json()["custom"] == {"industry": "mfg", "revenue_share": "12.5"}


@pytest.mark.parametrize(
    ("custom", "key"),
    [
        ({}, "industry"),  # required, missing on create
        ({"industry": "bank"}, "industry"),  # unknown choice
        ({"industry": "mfg", "revenue_share": "lots"}, "revenue_share"),  # wrong type
        ({"industry": "mfg", "revenue_share": "101"}, "revenue_share"),  # above max
        ({"industry": "mfg", "revenue_share": "-1"}, "revenue_share"),  # below min
        ({"industry": "mfg", "nope": 1}, "nope"),  # unknown key
    ],
)
def test_post_refuses_bad_custom_values_and_saves_nothing(
    client, company, industry, employees, custom, key
):
    client.force_login(company.rep_east)
    before = Customer.objects.count()
    response = post(client, "/api/v1/customers", CUSTOMER | {"custom": custom})
    assert response.status_code == 422
    assert error_code(response) == "custom_field.invalid"
    assert response.json()["error"]["details"]["key"] == key
    assert Customer.objects.count() == before


def test_patch_checks_only_the_fields_it_names(client, company, customers, industry):
    client.force_login(company.rep_east)
    customer = customers["rep_east"]  # made before "industry" existed: no value yet
    assert patch(client, f"/api/v1/customers/{customer.pk}", {"name": "新名"}).status_code == 200
    response = patch(client, f"/api/v1/customers/{customer.pk}", {"custom": {"industry": None}})
    assert response.status_code == 422
    assert error_code(response) == "custom_field.invalid"
    response = patch(client, f"/api/v1/customers/{customer.pk}", {"custom": {"industry": "retail"}})
    assert response.json()["custom"] == {"industry": "retail"}


def test_bad_definitions_answer_with_codes(client, company):
    client.force_login(company.admin)
    base = {"object_type": "customers.customer", "label": "X", "kind": "text"}
    cases = [
        (base | {"key": "name"}, 409, "custom_field.key_taken"),
        (base | {"key": "ok", "pattern": "(unclosed"}, 422, "custom_field.bad_pattern"),
        (base | {"key": "Bad-Key"}, 422, "custom_field.key_invalid"),
    ]
    for payload, status, code in cases:
        response = post(client, "/api/v1/custom-fields", payload)
        assert (response.status_code, error_code(response)) == (status, code)
    assert not CustomField.objects.exists()
    assert post(client, "/api/v1/custom-fields", base | {"key": "ok"}).status_code == 201
    response = post(client, "/api/v1/custom-fields", base | {"key": "ok"})
    assert (response.status_code, error_code(response)) == (409, "custom_field.key_taken")


def test_retire_twice_is_a_conflict_and_values_stay_readable(client, company, customers, industry):
    client.force_login(company.admin)
    customer = customers["rep_east"]
    patch(client, f"/api/v1/customers/{customer.pk}", {"custom": {"industry": "mfg"}})
    assert post(client, f"/api/v1/custom-fields/{industry.pk}/retire", {}).status_code == 200
    response = post(client, f"/api/v1/custom-fields/{industry.pk}/retire", {})
    assert (response.status_code, error_code(response)) == (409, "custom_field.already_retired")
    assert client.get(f"/api/v1/customers/{customer.pk}").json()["custom"] == {"industry": "mfg"}
    response = patch(client, f"/api/v1/customers/{customer.pk}", {"custom": {"industry": "retail"}})
    assert (response.status_code, error_code(response)) == (422, "custom_field.invalid")


def test_rep_may_not_define_fields(client, company):
    client.force_login(company.rep_east)
    response = post(
        client,
        "/api/v1/custom-fields",
        {"object_type": "customers.customer", "key": "x", "label": "X", "kind": "text"},
    )
    assert (response.status_code, error_code(response)) == (403, "permission.denied")


def test_list_filters_by_equality_and_range(client, company, industry, employees):
    client.force_login(company.rep_east)
    for code, ind, share in (("A", "mfg", "10"), ("B", "retail", "50"), ("C", "mfg", "90")):
        payload = CUSTOMER | {"code": code, "name": f"客户{code}", "confirm_duplicate": True}
        payload["custom"] = {"industry": ind, "revenue_share": share}
        assert post(client, "/api/v1/customers", payload).status_code == 201

    def codes(query: str) -> list[str]:
        return [c["code"] for c in client.get(f"/api/v1/customers?{query}").json()["items"]]

    assert codes("cf_industry=mfg") == ["A", "C"]
    assert codes("cf_revenue_share__gte=50") == ["B", "C"]
    assert codes("cf_industry=mfg&cf_revenue_share__lte=50") == ["A"]
    response = client.get("/api/v1/customers?cf_revenue_share__gte=lots")
    assert (response.status_code, error_code(response)) == (422, "custom_field.bad_filter")


def test_multi_choice_filter_and_text_search(client, company):
    client.force_login(company.admin)
    post(
        client,
        "/api/v1/custom-fields",
        {
            "object_type": "customers.customer",
            "key": "channels",
            "label": "渠道",
            "kind": "multi_choice",
            "choices": [{"value": "web", "label": "网站"}, {"value": "shop", "label": "门店"}],
        },
    )
    post(
        client,
        "/api/v1/custom-fields",
        {"object_type": "customers.customer", "key": "note", "label": "备注", "kind": "text"},
    )
    post(
        client,
        "/api/v1/customers",
        CUSTOMER | {"custom": {"channels": ["web", "shop"], "note": "长期合作伙伴"}},
    )
    post(
        client,
        "/api/v1/customers",
        CUSTOMER | {"code": "B", "name": "别家", "custom": {"channels": ["shop"]}},
    )
    codes = lambda q: [c["code"] for c in client.get(f"/api/v1/customers?{q}").json()["items"]]  # noqa: E731
    assert codes("cf_channels=web") == ["ACME"]
    assert codes("cf_channels=shop") == ["ACME", "B"]
    assert codes("q=合作伙伴") == ["ACME"]
    search = client.get("/api/v1/search?q=合作伙伴").json()
    assert any(hit["title"].startswith("ACME") for g in search for hit in g["hits"])


def test_openapi_lists_the_custom_fields_as_they_are_now(client, company, industry, employees):
    client.force_login(company.admin)
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("CustomerIn", "CustomerPatch", "CustomerOut"):
        custom = schemas[name]["properties"]["custom"]["properties"]
        assert custom["industry"] == {
            "type": "string",
            "enum": ["mfg", "retail"],
            "title": "Industry",
        }
        assert custom["revenue_share"]["format"] == "decimal"
    post(
        client,
        "/api/v1/custom-fields",
        {"object_type": "customers.customer", "key": "since", "label": "始于", "kind": "date"},
    )
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["CustomerOut"]["properties"]["custom"]["properties"]["since"]["format"] == "date"


@pytest.mark.postgres
def test_equality_filters_use_the_gin_index_on_postgresql(company, industry):
    from django.db import connection

    from cashloop.customers import selectors

    qs = selectors.customer_list(user=company.admin, custom={"cf_industry": "mfg"})
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny table is scanned, or walked by another index, whatever the GIN index:
        # leave the planner only bitmap scans, and fresh statistics to pick one.
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customers_customer_custom_gin" in plan, plan


def test_user_date_and_pattern_fields_refuse_bad_values_through_the_api(client, company):
    client.force_login(company.admin)
    for payload in (
        {"key": "manager", "label": "经理", "kind": "user"},
        {"key": "since", "label": "始于", "kind": "date"},
        {"key": "ref", "label": "编号", "kind": "text", "pattern": r"[A-Z]{2}\d{4}"},
    ):
        assert (
            post(
                client, "/api/v1/custom-fields", {"object_type": "customers.customer"} | payload
            ).status_code
            == 201
        )
    company.viewer.is_active = False
    company.viewer.save()
    for custom, key in (
        ({"manager": company.viewer.pk}, "manager"),
        ({"manager": 999_999}, "manager"),
        ({"since": "2026-02-30"}, "since"),
        ({"ref": "ab1234"}, "ref"),
    ):
        response = post(client, "/api/v1/customers", CUSTOMER | {"custom": custom})
        assert (response.status_code, error_code(response)) == (422, "custom_field.invalid")
        assert response.json()["error"]["details"]["key"] == key
    assert not Customer.objects.exists()
    good = {"manager": company.rep_east.pk, "since": "2026-02-28", "ref": "AB1234"}
    response = post(client, "/api/v1/customers", CUSTOMER | {"custom": good})
    assert response.status_code == 201
    assert response.json()["custom"] == good
