"""The recognition API: the queue, proposals explained, match, unmatch, exclude, auto-match
and rules; refusals answer a stable code and change nothing."""

from decimal import Decimal

import pytest

from cashloop.banking.choices import LineStatus
from cashloop.banking.models import LineMatch, MatchRule
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.ledger.models import Account, JournalEntry
from cashloop.receivables.models import Allocation, Payment
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1/recognition"


def post(client, path, payload=None):
    return client.post(
        path, payload if payload is not None else {}, content_type="application/json"
    )


def code(response):
    return response.json()["error"]["code"]


def state():
    return (
        Payment.objects.count(),
        Allocation.objects.count(),
        JournalEntry.objects.count(),
        LineMatch.objects.count(),
        sorted(LineMatch.objects.values_list("undone_at", flat=True), key=str),
    )


@pytest.fixture
def setup(company, client):
    client.force_login(company.finance)
    bank = bank_account()
    star = customer(company, "上海星河科技有限公司", code="SH-STAR")
    moon = customer(company, "北京明月贸易有限公司", code="BJ-MOON")
    return bank, star, moon


def test_queue_proposals_match_and_unmatch(company, client, setup):
    bank, star, _moon = setup
    inv = invoice(company, star, "1130.00")
    row = line(bank, "1130.00", reference=f"付 {inv.number}", payer="上海星河科技")
    queue = client.get(f"{API}/queue").json()
    assert [item["id"] for item in queue["items"]] == [row.pk]
    detail = client.get(f"{API}/lines/{row.pk}").json()
    best = detail["proposals"][0]
    assert best["customer_name"] == star.name and best["auto"] is True
    assert best["allocations"][0]["invoice"] == inv.number
    assert best["evidence"][0]["code"] == "invoice_number"
    made = post(
        client,
        f"{API}/lines/{row.pk}/match",
        {
            "parts": [
                {
                    "customer_id": star.pk,
                    "amount": "1130.00",
                    "allocations": [
                        {"installment_id": a["installment_id"], "amount": a["amount"]}
                        for a in best["allocations"]
                    ],
                }
            ],
            "proposal_index": 0,
        },
    )
    assert made.status_code == 201, made.content
    match = made.json()[0]
    assert match["evidence"][0]["code"] == "invoice_number"
    assert client.get(f"{API}/counts").json()["matched"] == 1
    assert_verified()
    before = state()
    again = post(
        client,
        f"{API}/lines/{row.pk}/match",
        {"parts": [{"customer_id": star.pk, "amount": "1130.00"}]},
    )
    assert again.status_code == 409 and code(again) == "statement_line.not_open"
    assert state() == before
    undone = post(client, f"{API}/matches/{match['id']}/unmatch")
    assert undone.status_code == 200 and undone.json()["status"] == LineStatus.UNMATCHED
    twice = post(client, f"{API}/matches/{match['id']}/unmatch")
    assert code(twice) == "match.already_undone"
    assert_verified()


def test_bad_input_codes_change_nothing(company, client, setup):
    bank, star, _moon = setup
    row = line(bank, "100.00")
    before = state()
    cases = [
        ({"parts": []}, 422, "match.no_parts"),
        ({"parts": [{"customer_id": star.pk, "amount": "90.00"}]}, 422, "match.parts_sum"),
        ({"parts": [{"customer_id": star.pk, "amount": "100.001"}]}, 422, "match.parts_sum"),
        ({"parts": [{"customer_id": 0, "amount": "100.00"}]}, 404, "customer.not_found"),
        ({"parts": [{"customer_id": star.pk, "amount": "100.00", "colour": 1}]}, 422, None),
    ]
    for payload, status, expected in cases:
        response = post(client, f"{API}/lines/{row.pk}/match", payload)
        assert response.status_code == status, (payload, response.content)
        if expected:
            assert code(response) == expected
    assert code(post(client, f"{API}/lines/0/match", {"parts": []})) == "statement_line.not_found"
    bad_account = post(
        client, f"{API}/lines/{row.pk}/exclude", {"account_id": bank.ledger_account_id}
    )
    assert code(bad_account) == "match.account_not_found"
    assert state() == before
    client.force_login(company.viewer)
    denied = post(
        client,
        f"{API}/lines/{row.pk}/match",
        {"parts": [{"customer_id": star.pk, "amount": "100.00"}]},
    )
    assert denied.status_code in (403, 404)
    assert state() == before


def test_exclude_auto_match_and_todays_list(company, client, setup):
    bank, _star, moon = setup
    inv = invoice(company, moon, "500.00")
    sure = line(bank, "500.00", reference=inv.number)
    interest = line(bank, "8.88", reference="利息")
    response = post(client, f"{API}/auto-match", {"line_ids": None})
    assert response.json()["applied"] == [sure.pk]
    today = client.get(f"{API}/matches").json()["items"]
    assert [m["line_id"] for m in today] == [sure.pk]
    income = Account.objects.get(code="6051")
    excluded = post(
        client, f"{API}/lines/{interest.pk}/exclude", {"account_id": income.pk, "memo": "利息"}
    )
    assert excluded.status_code == 200 and excluded.json()["status"] == LineStatus.EXCLUDED
    assert post(client, f"{API}/lines/{interest.pk}/unexclude").json()["status"] == "unmatched"
    assert_verified()


def test_rules_crud_and_dry_run(company, client, setup):
    bank, star, moon = setup
    income = Account.objects.get(code="6051")
    payload = {
        "name": "Interest",
        "priority": 1,
        "conditions": {"text_contains": "结息"},
        "action": "exclude",
        "account_id": income.pk,
        "auto_apply": True,
    }
    bad = post(client, "/api/v1/match-rules", {**payload, "conditions": {"regex": "("}})
    assert bad.status_code == 422 and code(bad) == "match_rule.invalid"
    assert not MatchRule.objects.exists()
    created = post(client, "/api/v1/match-rules", payload)
    assert created.status_code == 201
    rule_id = created.json()["id"]
    changed = client.patch(
        f"/api/v1/match-rules/{rule_id}", {"priority": 3}, content_type="application/json"
    )
    assert changed.json()["priority"] == 3
    assert [r["id"] for r in client.get("/api/v1/match-rules").json()] == [rule_id]
    dry = post(
        client, "/api/v1/match-rules/dry-run", {"rule_id": rule_id, "rule": payload, "months": 12}
    )
    assert dry.status_code == 200 and dry.json()["checked"] == 0
    # A line recognised by hand; the dry run of a rule that would name another customer
    # reports it by date, amount and payer, and both choices by name as well as by id.
    row = line(bank, "100.00", payer="代付公司", reference="季度结息")
    matched = post(
        client,
        f"{API}/lines/{row.pk}/match",
        {"parts": [{"customer_id": star.pk, "amount": "100.00"}]},
    )
    assert matched.status_code == 201
    to_moon = {**payload, "action": "assign_customer", "customer_id": moon.pk, "account_id": None}
    dry = post(
        client, "/api/v1/match-rules/dry-run", {"rule_id": rule_id, "rule": to_moon, "months": 12}
    )
    assert dry.status_code == 200, dry.json()
    assert (dry.json()["checked"], dry.json()["changed_count"]) == (1, 1)
    assert dry.json()["changed"] == [
        {
            "line_id": row.pk,
            "booking_date": row.booking_date.isoformat(),
            "amount": "100.00",
            "currency": "CNY",
            "payer_name": "代付公司",
            "before": {"kind": "exclude", "id": income.pk, "name": str(income)},
            "after": {"kind": "customer", "id": moon.pk, "name": "北京明月贸易有限公司"},
        }
    ]
    assert_verified()
