"""Duplicate detection: normal forms, scoring, scope, and the 409 on create and update."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cashloop.core.errors import DomainError
from cashloop.customers import services
from cashloop.customers.matching import name_key, name_tokens, phone_key
from cashloop.customers.models import Customer, CustomerNameToken
from cashloop.customers.selectors import customer_duplicates


def make(actor, code, name, **kwargs):
    return services.customer_create(
        actor=actor, code=code, name=name, currency="CNY", confirm_duplicate=True, **kwargs
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为技术"),
        ("华为技术股份有限公司", "华为技术 有限责任公司"),
        ("华为技术（深圳）有限公司", "华为技术(深圳)"),
        ("ＡＣＭＥ　Ｔｒａｄｉｎｇ", "Acme Trading Co., Ltd."),
        ("Acme Trading Inc.", "ACME-Trading LLC"),
        ("Siemens GmbH", "siemens"),
        ("星源集团", "星源集团有限公司"),
        ("華為技術集團有限公司", "华为技术"),
    ],
)
def test_name_key_ignores_suffix_width_case_and_punctuation(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_a_name_that_is_only_a_suffix_word_inside():
    assert name_key("Costco") == "costco"  # "co" only goes as a word of its own
    assert name_key("公司") == "公司"  # never empty for a name with letters


def test_tokens_are_bigrams_of_chinese_and_trigrams_of_latin():
    assert name_tokens("华为技术") == {"华为", "为技", "技术"}
    assert name_tokens("acme") == {"acm", "cme"}
    assert name_tokens("ab星") == {"ab", "星"}


@pytest.mark.parametrize(
    "raw", ["+86 138 0013 8000", "13800138000", "0086-138-0013-8000", "(+86)13800138000"]
)
def test_phone_key_drops_country_code_and_spacing(raw):
    assert phone_key(raw) == "13800138000"


def test_phone_key_meets_landline_with_and_without_trunk_zero():
    assert phone_key("+86 10 6512 3456") == phone_key("010-6512-3456") == "1065123456"
    assert phone_key("12345") == ""  # too short to mean anything


def test_fuzzy_name_finds_chinese_and_english_variants(company):
    cn = make(company.rep_east, "HW", "华为技术有限公司")
    en = make(company.rep_east, "ACME", "Acme Trading Co., Ltd.")
    make(company.rep_east, "OTHER", "启明贸易有限公司")

    found = customer_duplicates(user=company.rep_east, name="华为技术股份有限公司")
    assert [c.customer for c in found] == [cn]
    assert found[0].score == 100
    found = customer_duplicates(user=company.rep_east, name="ACME TRADING LTD")
    assert [c.customer for c in found] == [en]
    found = customer_duplicates(user=company.rep_east, name="Acme Tradng")  # a typo
    assert [c.customer for c in found] == [en]
    assert 80 <= found[0].score < 100
    with translation.override("en"):
        found = customer_duplicates(user=company.rep_east, name="Acme Tradng")
        assert found[0].reasons[0].startswith("name ") and "% similar" in found[0].reasons[0]
    assert customer_duplicates(user=company.rep_east, name="鼎盛物流") == []


def test_exact_tax_id_phone_and_email_are_strong(company):
    customer = make(company.rep_east, "T1", "天成电子", tax_id="91310000ABCDEFGH12")
    services.contact_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        name="王伟",
        phone="138 0013 8000",
        email="Wang.Wei@TianCheng.example",
    )
    for query in (
        {"tax_id": "91310000abcdefgh12"},
        {"phone": "+86-13800138000"},
        {"email": "wang.wei@tiancheng.EXAMPLE"},
    ):
        found = customer_duplicates(user=company.rep_east, **query)
        assert [c.customer for c in found] == [customer], query
        assert found[0].score >= 90
    both = customer_duplicates(user=company.rep_east, name="天成电子", tax_id="91310000ABCDEFGH12")
    assert both[0].score == 100 and len(both[0].reasons) == 2


def test_exclude_id_leaves_the_customer_itself_out(company):
    customer = make(company.rep_east, "X1", "博远软件")
    assert customer_duplicates(user=company.rep_east, name="博远软件", exclude_id=customer.pk) == []


def test_candidates_outside_scope_are_found_but_marked_hidden(company):
    theirs = make(company.rep_south, "S1", "远航物流有限公司")
    found = customer_duplicates(user=company.rep_east, name="远航物流")
    assert [c.customer for c in found] == [theirs]
    assert found[0].visible is False
    assert customer_duplicates(user=company.rep_south, name="远航物流")[0].visible is True


def test_common_tokens_do_not_flood_the_candidates(company, monkeypatch):
    monkeypatch.setattr("cashloop.customers.selectors.COMMON_TOKEN_COUNT", 2)
    for n, word in enumerate(["华信", "启明", "恒通", "瑞丰"]):
        make(company.rep_east, f"K{n}", f"{word}科技")
    target = Customer.objects.get(code="K1")
    found = customer_duplicates(user=company.rep_east, name="启明科技有限公司")
    assert [c.customer for c in found] == [target]


def test_query_count_does_not_grow_with_customers(company):
    for n in range(30):
        make(company.rep_east, f"Q{n}", f"嘉禾制造{n}号")
    with CaptureQueriesContext(connection) as queries:
        found = customer_duplicates(
            user=company.rep_east, name="嘉禾制造", tax_id="X1", phone="13800138000", email="a@b.c"
        )
    assert len(found) == 5
    assert len(queries) <= 10


def test_renaming_keeps_the_tokens_in_step(company):
    customer = make(company.rep_east, "R1", "德润包装")
    services.customer_update(
        actor=company.rep_east, customer_id=customer.pk, changes={"name": "Pioneer Foods"}
    )
    tokens = set(
        CustomerNameToken.objects.filter(customer=customer).values_list("token", flat=True)
    )
    assert tokens == name_tokens("pioneerfoods")
    assert customer_duplicates(user=company.rep_east, name="德润包装") == []


def test_create_refuses_a_likely_duplicate_unless_confirmed(company):
    make(company.rep_south, "S1", "瑞丰新材料有限公司", tax_id="91440000AAAAAAAA11")
    with pytest.raises(DomainError) as exc:
        services.customer_create(
            actor=company.rep_east, code="E1", name="瑞丰新材料", currency="CNY"
        )
    assert exc.value.code.code == "customer.possible_duplicate"
    [candidate] = exc.value.details["candidates"]
    assert candidate == {
        "id": None,
        "code": "",
        "name": "瑞丰新材料有限公司",
        "owner": str(company.rep_south),
        "score": 100,
        "reasons": candidate["reasons"],
        "visible": False,
    }
    assert not Customer.objects.filter(code="E1").exists()
    make(company.rep_east, "E1", "瑞丰新材料")
    assert Customer.objects.filter(code="E1").exists()


def test_api_create_answers_409_with_candidates_then_accepts_confirmation(client, company):
    mine = make(company.rep_east, "E0", "Bluefin Logistics Co., Ltd.")
    client.force_login(company.rep_east)
    payload = {"code": "E9", "name": "BLUEFIN LOGISTICS LIMITED", "currency": "CNY"}
    response = client.post("/api/v1/customers", payload, content_type="application/json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "customer.possible_duplicate"
    assert error["details"]["candidates"][0]["id"] == mine.pk
    assert not Customer.objects.filter(code="E9").exists()
    payload["confirm_duplicate"] = True
    response = client.post("/api/v1/customers", payload, content_type="application/json")
    assert response.status_code == 201


def test_api_update_checks_a_new_name_but_not_other_changes(client, company):
    make(company.rep_east, "E0", "Harbor Foods")
    other = make(company.rep_east, "E1", "Atlas Systems")
    client.force_login(company.rep_east)
    url = f"/api/v1/customers/{other.pk}"
    response = client.patch(url, {"name": "Harbour Foods"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "customer.possible_duplicate"
    assert Customer.objects.get(pk=other.pk).name == "Atlas Systems"
    response = client.patch(url, {"payment_terms_days": 45}, content_type="application/json")
    assert response.status_code == 200
    response = client.patch(
        url, {"name": "Harbour Foods", "confirm_duplicate": True}, content_type="application/json"
    )
    assert response.status_code == 200


def test_api_duplicates_endpoint_hides_details_outside_scope(client, company):
    theirs = make(company.rep_south, "S1", "Crescent Instruments", tax_id="91440000BBBBBBBB22")
    client.force_login(company.rep_east)
    body = client.get("/api/v1/customers/duplicates", {"tax_id": "91440000bbbbbbbb22"}).json()
    assert body == [
        {
            "id": None,
            "code": "",
            "name": "Crescent Instruments",
            "owner": str(company.rep_south),
            "score": 100,
            "reasons": body[0]["reasons"],
            "visible": False,
        }
    ]
    client.force_login(company.admin)
    body = client.get("/api/v1/customers/duplicates", {"name": "crescent instruments"}).json()
    assert body[0]["id"] == theirs.pk and body[0]["visible"] is True


def test_page_lists_candidates_and_saves_when_confirmed(client, company):
    mine = make(company.rep_east, "E0", "恒通机械有限公司")
    client.force_login(company.rep_east)
    form = {
        "code": "E5",
        "name": "恒通机械",
        "currency": "CNY",
        "payment_terms_days": 30,
        "owner": company.rep_east.pk,
        "status": "active",
    }
    response = client.post("/customers/new/", form)
    assert response.status_code == 200
    assert response.context["duplicates"][0]["id"] == mine.pk
    assert f'href="/customers/{mine.pk}/"' in response.content.decode()
    assert "confirm_duplicate" in response.context["form"].fields
    assert not Customer.objects.filter(code="E5").exists()
    response = client.post("/customers/new/", {**form, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Customer.objects.filter(code="E5").exists()
