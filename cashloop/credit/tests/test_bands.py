"""Score band policies (defaults of new quotes and contracts, a lower limit), group limits,
credit settings and the daily schedule: services, API and the admin's page (decision 048)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.contracts.services import contract_activate, contract_create
from cashloop.contracts.tests.conftest import lines_in
from cashloop.core.errors import DomainError
from cashloop.core.schedule import JOBS
from cashloop.cpq.services import quote_create
from cashloop.credit.models import CreditBandPolicy, CreditProfile, GroupCreditLimit
from cashloop.credit.selectors import credit_position, terms_for
from cashloop.credit.services import BandIn, credit_band_save, credit_group_limit_set
from cashloop.customers.models import CustomerGroup

pytestmark = pytest.mark.django_db
D = Decimal
API = "/api/v1/credit"


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code.code


@pytest.fixture
def bands(company):
    """Below 40: prepayment and the limit down to 1,000; 40–59: 15 days, limit −20%."""
    risky = credit_band_save(
        actor=company.admin,
        band=BandIn("高风险 High risk", 0, 39, require_prepayment=True, limit_amount=D(1000)),
    )
    watch = credit_band_save(
        actor=company.admin,
        band=BandIn("关注 Watch", 40, 59, payment_terms_days=15, limit_percent=D(20)),
    )
    return risky, watch


def scored(customer, score, limit=None):
    CreditProfile.objects.update_or_create(
        customer=customer, defaults={"score": score, "limit": limit, "currency": "CNY"}
    )
    return customer


def test_terms_follow_the_band(company, customers, bands):
    customer = customers["rep_east"]  # payment terms 30 days
    assert terms_for(customer) is None  # no score yet
    scored(customer, 30)
    terms = terms_for(customer)
    assert (terms.prepayment, terms.due_days, terms.band) == (True, 0, bands[0])
    scored(customer, 50)
    assert (terms_for(customer).prepayment, terms_for(customer).due_days) == (False, 15)
    scored(customer, 80)  # no band
    assert terms_for(customer) is None


def test_a_new_quote_and_contract_default_to_the_bands_terms(company, customers, bands):
    customer = scored(customers["rep_east"], 30)
    quote = quote_create(actor=company.rep_east, customer_id=customer.pk)
    assert [(i["percent"], i["due_rule"], i["due_days"]) for i in quote.payment_plan] == [
        ("100", "on_signing", 0)
    ]
    scored(customer, 45)
    contract = contract_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        title="T",
        start_date=date(2026, 3, 1),
        lines=lines_in(),
    )
    plan = list(contract.plan.all())
    assert [(p.percent, p.amount, p.due_days) for p in plan] == [(D(100), contract.total, 15)]
    # A plan typed by the seller is kept as typed.
    typed = [{"label": "尾款", "percent": "100", "due_rule": "on_signing", "due_days": 60}]
    quote = quote_create(actor=company.rep_east, customer_id=customer.pk, payment_plan=typed)
    assert quote.payment_plan[0]["due_days"] == 60


def test_no_band_changes_nothing(company, customers, bands):
    quote = quote_create(actor=company.rep_east, customer_id=customers["rep_east"].pk)
    assert quote.payment_plan == []


def test_the_band_lowers_the_limit_in_the_check(company, customers, bands, flows):
    customer = scored(customers["rep_east"], 50, limit=D("20000.00"))
    assert credit_position(customer).limit == D("16000.00")  # −20%
    scored(customer, 30, limit=D("20000.00"))
    assert credit_position(customer).limit == D("1000.00")  # down to 1,000
    scored(customer, 30, limit=None)
    assert credit_position(customer).limit == D("1000.00")  # even without a limit
    contract = contract_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        title="T",
        start_date=date(2026, 3, 1),
        signing_date=date(2026, 3, 10),
        lines=lines_in(),
    )
    refused = code_of(
        lambda: contract_activate(actor=company.manager_east, contract_id=contract.pk)
    )
    assert refused == "credit.on_hold"


@pytest.mark.parametrize(
    ("band", "code"),
    [
        (BandIn("x", 50, 40, require_prepayment=True), "credit_band.range"),
        (BandIn("x", 90, 101, require_prepayment=True), "credit_band.range"),
        (BandIn("x", 60, 70), "credit_band.no_action"),
        (BandIn("x", 60, 70, limit_percent=D(0)), "credit_band.percent"),
        (BandIn("x", 60, 70, limit_amount=D(-1)), "credit.limit_negative"),
        (BandIn("x", 55, 70, require_prepayment=True), "credit_band.overlap"),
    ],
)
def test_bad_bands_are_refused(company, bands, band, code):
    assert code_of(lambda: credit_band_save(actor=company.admin, band=band)) == code
    assert CreditBandPolicy.objects.count() == 2


def test_a_band_may_be_edited_in_place(company, bands):
    watch = bands[1]
    band = BandIn("关注 Watch", 40, 69, payment_terms_days=10)
    assert credit_band_save(actor=company.admin, band=band, band_id=watch.pk).score_to == 69


def test_daily_credit_evaluation_is_scheduled():
    assert JOBS["credit.credit_daily"].task.name.endswith("credit_daily")


# --- API ---------------------------------------------------------------------------------------


def test_bands_api(client, company, bands):
    client.force_login(company.admin)
    body = {"name": "Good", "score_from": 80, "score_to": 100, "payment_terms_days": 60}
    created = client.post(f"{API}/bands", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["score_to"] == 100
    band_id = created.json()["id"]
    overlap = client.put(
        f"{API}/bands/{band_id}", {**body, "score_from": 50}, content_type="application/json"
    )
    assert overlap.status_code == 409 and overlap.json()["error"]["code"] == "credit_band.overlap"
    assert [b["name"] for b in client.get(f"{API}/bands").json()][-1] == "Good"
    assert client.delete(f"{API}/bands/{band_id}").status_code == 204
    assert client.delete(f"{API}/bands/{band_id}").status_code == 404
    client.force_login(company.rep_east)
    assert client.post(f"{API}/bands", body, content_type="application/json").status_code == 403


def test_group_limits_api(client, company):
    group = CustomerGroup.objects.create(code="KEY", name="Key accounts")
    client.force_login(company.admin)
    url = f"{API}/group-limits/{group.pk}"
    negative = client.put(url, {"limit": "-1"}, content_type="application/json")
    assert negative.status_code == 422
    assert negative.json()["error"]["code"] == "credit.limit_negative"
    assert not GroupCreditLimit.objects.exists()
    done = client.put(url, {"limit": "8000.00"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["currency"] == "CNY"
    assert client.get(f"{API}/group-limits").json()[0]["limit"] == "8000.0000"
    missing = client.put(
        f"{API}/group-limits/999999", {"limit": "1"}, content_type="application/json"
    )
    assert missing.json()["error"]["code"] == "credit_settings.group_not_found"
    assert client.put(url, {"limit": None}, content_type="application/json").status_code == 204
    assert not GroupCreditLimit.objects.exists()


def test_settings_api(client, company):
    client.force_login(company.admin)
    assert client.get(f"{API}/settings").json()["overdue_days"] is None
    body = {
        "include_open_quotes": True,
        "overdue_days": 60,
        "overdue_amount": "500",
        "release_grace_days": 15,
    }
    saved = client.put(f"{API}/settings", body, content_type="application/json")
    assert saved.status_code == 200 and saved.json()["overdue_days"] == 60
    bad = client.put(
        f"{API}/settings", {**body, "overdue_amount": "-5"}, content_type="application/json"
    )
    assert bad.json()["error"]["code"] == "credit_settings.amount_negative"
    assert client.get(f"{API}/settings").json()["overdue_amount"] == "500.0000"
    client.force_login(company.finance)
    assert client.put(f"{API}/settings", body, content_type="application/json").status_code == 403


# --- the admin's page --------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "title"), [("en", "Credit settings"), ("zh-hans", "")])
def test_settings_page(client, company, bands, lang, title):
    group = CustomerGroup.objects.create(code="CHANNEL", name="渠道 Channel")
    credit_group_limit_set(actor=company.admin, group_id=group.pk, limit=D("8000"))
    client.force_login(company.admin)
    html = client.get("/credit/settings/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert "高风险 High risk" in html and "渠道 Channel" in html
    assert "8,000.00" in html and "¥1,000.00" in html
    assert title in html
    response = client.post(
        "/credit/settings/bands/",
        {"name": "Bad", "score_from": "10", "score_to": "20", "require_prepayment": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "credit_band.overlap" in response.content.decode()
    response = client.post(
        "/credit/settings/group-limit/",
        {"group": group.pk, "limit": "-3"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "credit.limit_negative" in response.content.decode()
    ok = client.post(
        "/credit/settings/bands/",
        {"name": "Good", "score_from": "90", "score_to": "100", "payment_terms_days": "45"},
    )
    assert ok.status_code == 302 and CreditBandPolicy.objects.filter(name="Good").exists()
    client.force_login(company.rep_east)
    assert client.get("/credit/settings/").status_code == 403


def test_the_holds_list_links_the_settings_for_the_admin_only(client, company):
    client.force_login(company.admin)
    assert 'data-testid="credit-settings-link"' in client.get("/credit/holds/").content.decode()
    client.force_login(company.finance)
    assert 'data-testid="credit-settings-link"' not in client.get("/credit/holds/").content.decode()
