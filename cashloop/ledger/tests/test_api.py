"""Ledger API: who may read and act, reversals, periods, the chart, verify, bad input."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.ledger.choices import AccountRole, PostingReason
from cashloop.ledger.errors import LedgerError
from cashloop.ledger.models import Account, AccountingPeriod, JournalEntry, JournalLine
from cashloop.ledger.services import PostingLine, account_for_role, journal_entry_post
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

D = Decimal
DAY = date(2026, 3, 15)
API = "/api/v1/ledger"


def invoice(key="inv-1", entry_date=DAY, total="1130.00", customer_id=None):
    net = (D(total) / D("1.13")).quantize(D("0.01"))
    return journal_entry_post(
        actor=None,
        entry_date=entry_date,
        reason=PostingReason.INVOICE_ISSUE,
        idempotency_key=key,
        memo=f"Invoice {key}",
        lines=[
            PostingLine(account_for_role(AccountRole.AR), D(total), "CNY", customer_id=customer_id),
            PostingLine(account_for_role(AccountRole.REVENUE), -net, "CNY"),
            PostingLine(account_for_role(AccountRole.VAT_OUTPUT), -(D(total) - net), "CNY"),
        ],
    )


def usd_payment(key="pay-1", entry_date=DAY):
    return journal_entry_post(
        actor=None,
        entry_date=entry_date,
        reason=PostingReason.PAYMENT,
        idempotency_key=key,
        lines=[
            PostingLine(account_for_role(AccountRole.BANK), D("100.00"), "USD", D("720.00")),
            PostingLine(account_for_role(AccountRole.AR), D("-100.00"), "USD", D("-700.00")),
            PostingLine(account_for_role(AccountRole.FX), D("0"), "USD", D("-20.00")),
        ],
    )


def post(client, path, payload=None):
    return client.post(
        path, payload if payload is not None else {}, content_type="application/json"
    )


def patch(client, path, payload):
    return client.patch(path, payload, content_type="application/json")


def state():
    """Everything a refused request must leave as it was."""
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        sorted(AccountingPeriod.objects.values_list("year", "month", "status")),
        sorted(Account.objects.values_list("code", "name_en", "is_active", "currency")),
        AuditEntry.objects.count(),
    )


# --- permission matrix ------------------------------------------------------------------

READS = ["accounts", "entries", "entry", "periods"]
WRITES = ["account_create", "account_update", "reverse", "close", "reopen"]


def call(client, what, entry, account):
    return {
        "accounts": lambda: client.get(f"{API}/accounts"),
        "entries": lambda: client.get(f"{API}/entries"),
        "entry": lambda: client.get(f"{API}/entries/{entry.pk}"),
        "periods": lambda: client.get(f"{API}/periods"),
        "verify": lambda: client.get(f"{API}/verify"),
        "account_create": lambda: post(
            client,
            f"{API}/accounts",
            {"code": "6001.09", "name_zh": "测试", "name_en": "Test", "type": "revenue"},
        ),
        "account_update": lambda: patch(client, f"{API}/accounts/{account.pk}", {"name_en": "X"}),
        "reverse": lambda: post(
            client, f"{API}/entries/{entry.pk}/reverse", {"date": "2026-03-20"}
        ),
        "close": lambda: post(client, f"{API}/periods/2026/2/close"),
        "reopen": lambda: post(client, f"{API}/periods/2026/1/reopen"),
    }[what]()


ALLOWED = {
    "admin": {*READS, *WRITES, "verify"},
    "finance": {*READS, *WRITES, "verify"},
    "treasurer": set(READS),
    "viewer": set(READS),
    "rep_east": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("what", [*READS, *WRITES, "verify"])
def test_permission_matrix(client, company, role, what):
    # given an entry, an account, and January closed (so that reopen has work to do)
    entry = invoice()
    account = account_for_role(AccountRole.REVENUE)
    AccountingPeriod.objects.create(year=2026, month=1, status="closed")
    user = {
        "admin": company.admin,
        "finance": company.finance,
        "viewer": company.viewer,
        "rep_east": company.rep_east,
        "treasurer": UserFactory(username="treasurer", team=None, roles=["treasurer"]),
    }[role]
    client.force_login(user)
    before = state()
    # when
    response = call(client, what, entry, account)
    # then
    if what in ALLOWED[role]:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "permission.denied"
        assert state() == before
    assert_verified()


def test_anonymous_gets_401(client, db):
    response = client.get(f"{API}/entries")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"


# --- reading the journal -----------------------------------------------------------------


def test_entry_detail_has_lines_with_money_as_strings(client, company):
    customer = CustomerFactory(owner=company.rep_east)
    entry = invoice(customer_id=customer.pk)
    client.force_login(company.viewer)
    body = client.get(f"{API}/entries/{entry.pk}").json()
    assert body["number"] == "JE-2026-000001"
    assert body["reason"] == "invoice_issue"
    assert body["total"] == "1130.00"
    assert body["base_currency"] == "CNY"
    assert body["reverses_id"] is None and body["reversed_by_id"] is None
    lines = {line["account_code"]: line for line in body["lines"]}
    assert lines["1122"] == {
        "id": lines["1122"]["id"],
        "account_id": account_for_role(AccountRole.AR).pk,
        "account_code": "1122",
        "account_name": lines["1122"]["account_name"],
        "currency": "CNY",
        "debit": "1130.00",
        "credit": None,
        "base_amount": "1130.00",
        "customer_id": customer.pk,
        "memo": "",
    }
    assert lines["6001"]["credit"] == "1000.00" and lines["6001"]["base_amount"] == "-1000.00"
    assert lines["2221.01"]["credit"] == "130.00"


def test_account_names_follow_the_request_language(client, company):
    entry = invoice()
    client.force_login(company.viewer)
    en = client.get(f"{API}/entries/{entry.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    zh = client.get(f"{API}/entries/{entry.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert {line["account_name"] for line in en["lines"]} >= {"Accounts receivable"}
    assert {line["account_name"] for line in zh["lines"]} >= {"应收账款"}


def test_foreign_currency_lines_and_exchange_difference(client, company):
    entry = usd_payment()
    client.force_login(company.finance)
    body = client.get(f"{API}/entries/{entry.pk}").json()
    assert body["total"] == "720.00"
    fx = next(line for line in body["lines"] if line["account_code"] == "6603.01")
    assert fx["currency"] == "USD"
    assert fx["debit"] is None and fx["credit"] is None
    assert fx["base_amount"] == "-20.00"


def test_entry_filters(client, company):
    customer = CustomerFactory(owner=company.rep_east)
    first = invoice("a", entry_date=date(2026, 1, 10), customer_id=customer.pk)
    second = invoice("b", entry_date=date(2026, 2, 10))
    payment = usd_payment("c", entry_date=date(2026, 3, 10))
    client.force_login(company.finance)

    def numbers(**params):
        response = client.get(f"{API}/entries", params)
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    assert numbers() == [payment.number, second.number, first.number]
    assert numbers(date_from="2026-02-01") == [payment.number, second.number]
    assert numbers(date_from="2026-02-01", date_to="2026-02-28") == [second.number]
    assert numbers(reason="payment") == [payment.number]
    assert numbers(account_id=account_for_role(AccountRole.BANK).pk) == [payment.number]
    assert numbers(customer_id=customer.pk) == [first.number]
    assert numbers(q="invoice b") == [second.number]
    assert numbers(q=first.number) == [first.number]
    # Filtering by an account keeps each entry's whole total, not that line's.
    by_account = client.get(
        f"{API}/entries", {"account_id": account_for_role(AccountRole.VAT_OUTPUT).pk}
    ).json()
    assert {item["total"] for item in by_account["items"]} == {"1130.00"}


@pytest.mark.parametrize(
    "params",
    [{"reason": "gift"}, {"date_from": "2026-13-01"}, {"account_id": "x"}, {"limit": "-1"}],
)
def test_bad_filters_are_422(client, company, params):
    client.force_login(company.finance)
    response = client.get(f"{API}/entries", params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


def test_unknown_entry_is_404(client, company):
    client.force_login(company.finance)
    response = client.get(f"{API}/entries/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ledger.entry_not_found"


# --- reversal ---------------------------------------------------------------------------


def test_reverse_through_the_api(client, company):
    # given
    entry = invoice()
    client.force_login(company.finance)
    # when
    response = post(
        client, f"{API}/entries/{entry.pk}/reverse", {"date": "2026-03-20", "memo": "typo"}
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reason"] == "reversal"
    assert body["date"] == "2026-03-20"
    assert body["memo"] == "typo"
    assert body["reverses_id"] == entry.pk
    assert body["source_type"] == "ledger.journalentry"
    assert body["posted_by"] == str(company.finance)
    assert sorted(line["base_amount"] for line in body["lines"]) == [
        "-1130.00",
        "1000.00",
        "130.00",
    ]
    original = client.get(f"{API}/entries/{entry.pk}").json()
    assert original["reversed_by_id"] == body["id"]
    # and a second reversal is refused
    again = post(client, f"{API}/entries/{entry.pk}/reverse", {"date": "2026-03-21"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "ledger.already_reversed"
    assert JournalEntry.objects.count() == 2
    assert_verified()


def test_reverse_defaults_to_today(client, company):
    entry = invoice(entry_date=timezone.localdate())
    client.force_login(company.finance)
    response = post(client, f"{API}/entries/{entry.pk}/reverse", {})
    assert response.status_code == 201, response.content
    assert response.json()["date"] == timezone.localdate().isoformat()
    assert_verified()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"date": "2026-02-30"}, "request.invalid"),
        ({"date": "2026-03-20", "amount": "1"}, "request.invalid"),
        ({"memo": "x" * 501}, "request.invalid"),
    ],
)
def test_bad_reverse_input_changes_nothing(client, company, payload, code):
    entry = invoice()
    client.force_login(company.finance)
    before = state()
    response = post(client, f"{API}/entries/{entry.pk}/reverse", payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert state() == before
    assert_verified()


def test_reverse_unknown_entry_is_404(client, company):
    client.force_login(company.finance)
    response = post(client, f"{API}/entries/999999/reverse", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ledger.entry_not_found"


# --- periods ----------------------------------------------------------------------------


def test_periods_list_this_month_and_the_twelve_before(client, company):
    AccountingPeriod.objects.create(year=2001, month=5, status="closed")
    client.force_login(company.viewer)
    body = client.get(f"{API}/periods").json()
    today = timezone.localdate()
    assert (body[0]["year"], body[0]["month"]) == (today.year, today.month)
    assert len(body) == 14
    assert body[-1] == {
        "year": 2001,
        "month": 5,
        "status": "closed",
        "closed_at": None,
        "closed_by": None,
    }
    assert {row["status"] for row in body[:13]} == {"open"}


def test_closed_period_refuses_postings_until_reopened(client, company):
    # given an entry in March
    entry = invoice()
    client.force_login(company.finance)
    # when finance closes March
    response = post(client, f"{API}/periods/2026/3/close")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["closed_by"] == str(company.finance)
    assert body["closed_at"]
    # then nothing can be posted into March
    with pytest.raises(DomainError) as exc:
        invoice("late", entry_date=date(2026, 3, 31))
    assert exc.value.code is LedgerError.PERIOD_CLOSED
    refused = post(client, f"{API}/entries/{entry.pk}/reverse", {"date": "2026-03-20"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ledger.period_closed"
    # the correction goes into April
    ok = post(client, f"{API}/entries/{entry.pk}/reverse", {"date": "2026-04-01"})
    assert ok.status_code == 201
    # and after reopening March takes postings again
    reopened = post(client, f"{API}/periods/2026/3/reopen").json()
    assert reopened["status"] == "open" and reopened["closed_by"] is None
    assert invoice("late", entry_date=date(2026, 3, 31)).date == date(2026, 3, 31)
    listed = client.get(f"{API}/periods").json()
    assert any(row["year"] == 2026 and row["month"] == 3 for row in listed)
    history = AuditEntry.objects.filter(object_type__model="accountingperiod")
    assert [h.changes["status"] for h in history.order_by("id")] == [
        ["open", "closed"],
        ["closed", "open"],
    ]
    assert_verified()


@pytest.mark.parametrize(
    "path", ["2026/13/close", "2026/0/close", "2026/-1/close", "abcd/3/close", "99999/1/reopen"]
)
def test_bad_period_is_refused(client, company, path):
    client.force_login(company.finance)
    response = post(client, f"{API}/periods/{path}")
    assert response.status_code in (404, 422)
    assert "error" in response.json()
    assert not AccountingPeriod.objects.exists()


def test_month_13_is_422(client, company):
    client.force_login(company.finance)
    response = post(client, f"{API}/periods/2026/13/close")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "request.invalid"
    assert [f["field"] for f in error["details"]["fields"]] == ["month"]
    assert not AccountingPeriod.objects.exists()


# --- the chart of accounts --------------------------------------------------------------

NEW = {"code": "6001.01", "name_zh": "软件收入", "name_en": "Software revenue", "type": "revenue"}


def test_accounts_list_in_code_order(client, company):
    client.force_login(company.viewer)
    body = client.get(f"{API}/accounts").json()
    codes = [a["code"] for a in body]
    assert codes == sorted(codes) and "1122" in codes
    ar = next(a for a in body if a["code"] == "1122")
    assert ar["role"] == "ar" and ar["type"] == "asset" and ar["currency"] == ""


def test_create_and_update_an_account_with_audit(client, company):
    client.force_login(company.finance)
    parent = Account.objects.get(code="6001")
    created = post(client, f"{API}/accounts", {**NEW, "parent_id": parent.pk, "currency": "cny"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["currency"] == "CNY" and body["parent_id"] == parent.pk and body["is_active"]
    changed = patch(
        client,
        f"{API}/accounts/{body['id']}",
        {"name_en": "Licence revenue", "is_active": False, "currency": None},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["name_en"] == "Licence revenue"
    assert changed.json()["currency"] == ""
    assert not changed.json()["is_active"]
    rows = AuditEntry.objects.filter(object_id=str(body["id"])).order_by("id")
    assert [row.action for row in rows] == ["create", "update"]
    assert rows[1].actor == company.finance
    assert rows[1].changes == {
        "currency": ["CNY", ""],
        "is_active": [True, False],
        "name_en": ["Software revenue", "Licence revenue"],
    }


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({**NEW, "colour": "red"}, 422, "request.invalid"),
        ({**NEW, "type": "income"}, 422, "request.invalid"),
        ({**NEW, "role": "petty_cash"}, 422, "request.invalid"),
        ({**NEW, "code": ""}, 422, "request.invalid"),
        ({**NEW, "code": "1122"}, 409, "ledger.account_code_taken"),
        ({**NEW, "currency": "XYZ"}, 422, "money.unknown_currency"),
        ({**NEW, "parent_id": 999999}, 422, "validation.invalid"),
        ({"code": "9"}, 422, "request.invalid"),
    ],
)
def test_bad_account_input_changes_nothing(client, company, payload, status, code):
    client.force_login(company.finance)
    before = state()
    response = post(client, f"{API}/accounts", payload)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert state() == before


def test_patch_refuses_unknown_fields_code_type_and_cycles(client, company):
    client.force_login(company.finance)
    parent = Account.objects.get(code="6603")
    child = Account.objects.get(code="6603.01")
    before = state()
    for payload in ({"code": "9999"}, {"type": "asset"}, {"colour": "red"}, {"name_en": ""}):
        response = patch(client, f"{API}/accounts/{parent.pk}", payload)
        assert response.status_code == 422, (payload, response.content)
        assert response.json()["error"]["code"] == "request.invalid"
    for parent_id in (parent.pk, child.pk):
        response = patch(client, f"{API}/accounts/{parent.pk}", {"parent_id": parent_id})
        assert response.status_code == 422, response.content
        assert response.json()["error"]["code"] == "validation.invalid"
        assert "parent" in response.json()["error"]["details"]
    missing = patch(client, f"{API}/accounts/999999", {"name_en": "x"})
    assert missing.status_code == 404
    assert state() == before


def test_an_account_with_usd_lines_cannot_be_limited_to_cny(client, company):
    usd_payment()
    bank = account_for_role(AccountRole.BANK)
    client.force_login(company.finance)
    response = patch(client, f"{API}/accounts/{bank.pk}", {"currency": "CNY"})
    assert response.status_code == 422
    assert "currency" in response.json()["error"]["details"]
    assert Account.objects.get(pk=bank.pk).currency == ""
    assert patch(client, f"{API}/accounts/{bank.pk}", {"currency": "usd"}).status_code == 200
    assert_verified()


# --- verify -----------------------------------------------------------------------------


def test_verify_lists_every_check(client, company):
    invoice()
    client.force_login(company.finance)
    body = client.get(f"{API}/verify").json()
    names = {check["name"] for check in body}
    assert "journal entries balance" in names
    assert all(check["ok"] and check["problems"] == [] for check in body)
    balance = next(c for c in body if c["name"] == "journal entries balance")
    assert balance["checked"] == 1


def test_verify_reports_an_entry_written_around_the_service(client, company):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's trigger refuses such an entry outright")
    lonely = JournalEntry.objects.create(
        number="X-1", date=DAY, reason="manual", idempotency_key="raw", payload_hash="x"
    )
    JournalLine.objects.create(
        entry=lonely,
        account=account_for_role(AccountRole.AR),
        currency="CNY",
        amount=5,
        base_amount=5,
    )
    client.force_login(company.admin)
    body = client.get(f"{API}/verify").json()
    balance = next(c for c in body if c["name"] == "journal entries balance")
    assert balance["ok"] is False
    assert any("X-1" in problem for problem in balance["problems"])


# --- query counts -----------------------------------------------------------------------


def test_list_query_counts_do_not_grow_with_rows(client, company, django_assert_max_num_queries):
    client.force_login(company.finance)
    for n in range(3):
        invoice(f"few-{n}")
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"{API}/entries").status_code == 200
    baseline = len(few.captured_queries)  # read now: each request resets Django's query log
    for n in range(30):
        invoice(f"many-{n}")
    for n in range(0, 30, 3):
        post(
            client,
            f"{API}/entries/{JournalEntry.objects.get(idempotency_key=f'many-{n}').pk}/reverse",
            {"date": "2026-03-20"},
        )
    with django_assert_max_num_queries(baseline):
        response = client.get(f"{API}/entries", {"limit": 100})
    assert response.json()["count"] == 43
    with django_assert_max_num_queries(baseline):
        assert client.get(f"{API}/accounts").status_code == 200
    with django_assert_max_num_queries(baseline):
        assert client.get(f"{API}/periods").status_code == 200
    assert_verified()


def test_detail_query_count_does_not_grow_with_lines(
    client, company, django_assert_max_num_queries
):
    client.force_login(company.finance)
    small = invoice("small")
    customers = CustomerFactory.create_batch(10, owner=company.rep_east)
    revenue = account_for_role(AccountRole.REVENUE)
    big = journal_entry_post(
        actor=None,
        entry_date=DAY,
        reason=PostingReason.MANUAL,
        idempotency_key="big",
        lines=[
            *[
                PostingLine(account_for_role(AccountRole.AR), D("10.00"), "CNY", customer_id=c.pk)
                for c in customers
            ],
            PostingLine(revenue, D("-100.00"), "CNY"),
        ],
    )
    with django_assert_max_num_queries(12) as few:
        client.get(f"{API}/entries/{small.pk}")
    baseline = len(few.captured_queries)
    with django_assert_max_num_queries(baseline):
        response = client.get(f"{API}/entries/{big.pk}")
    assert len(response.json()["lines"]) == 11
