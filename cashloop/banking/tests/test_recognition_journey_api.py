"""Issue #7's journey through the API: finance uploads a statement in each format,
previews and commits it; the auto-match task (run on commit, as the worker runs it)
applies the lines that quote an invoice number with its exact amount, with their reasons;
the rest wait in the recognition queue with explanations and are confirmed, split and
posted to an account; one match the engine made is undone; verify stays clean, to the cent.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.banking.choices import LineStatus
from cashloop.banking.models import ImportProfile, LineMatch, StatementLine
from cashloop.customers.models import Customer
from cashloop.ledger.models import Account
from cashloop.receivables.models import CustomerBalance, Invoice
from tests.e2e.statement_files import World, journey_bank_account, journey_world
from tests.ledger_check import assert_verified

D = Decimal
API = "/api/v1"
RECOGNITION = f"{API}/recognition"


def post(client, path, payload=None):  # type: ignore[no-untyped-def]
    response = client.post(path, payload or {}, content_type="application/json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def residual(inv: Invoice) -> Decimal:
    return Invoice.objects.get(pk=inv.pk).residual


def advance(who: Customer) -> Decimal:
    """What the customer has paid ahead (payments not applied), in CNY."""
    row = CustomerBalance.objects.filter(customer=who, currency="CNY").first()
    return row.advance if row else D(0)


@pytest.fixture
def world(company) -> World:  # type: ignore[no-untyped-def]
    return journey_world(company)


def test_statements_in_every_format_recognised_through_the_api(
    company, client, world, django_capture_on_commit_callbacks
):
    client.force_login(company.finance)
    bank = journey_bank_account(company)

    # 1. Each format: preview (what would import), then commit; the task runs on commit.
    line_ids: dict[str, list[int]] = {}
    for file in world.files:
        form = {"bank_account_id": bank.pk, "file": SimpleUploadedFile(file.name, file.data)}
        if file.profile:
            form["profile_id"] = ImportProfile.objects.get(code=file.profile).pk
        response = client.post(f"{API}/statement-imports", form)
        assert response.status_code == 201, response.content
        preview = response.json()
        assert preview["status"] == "preview" and preview["found"] == len(file.entries)
        assert (preview["errors"], preview["duplicates"]) == ([], 0)
        assert preview["balance_difference"] in (None, "0.00"), file.name
        # The commit enqueues the auto-match task once the lines are in (immediate backend).
        with django_capture_on_commit_callbacks(execute=True):
            done = post(client, f"{API}/statement-imports/{preview['id']}/commit")
        assert done["status"] == "imported" and done["imported"] == len(file.entries)
        line_ids[file.name] = list(
            StatementLine.objects.filter(statement_import_id=preview["id"], amount__gt=0)
            .order_by("sequence")
            .values_list("pk", flat=True)
        )
        assert len(line_ids[file.name]) == file.credits

    # 2. Every line quoting an invoice number with its amount was applied by the engine,
    # and says why; its invoice is paid.
    applied = client.get(f"{RECOGNITION}/matches").json()["items"]
    by_line = {m["line_id"]: m for m in applied}
    for file in world.files:
        inv = world.invoices[file.pays]
        match = by_line[line_ids[file.name][0]]
        assert match["auto"] is True
        assert match["amount"] == f"{inv.total:.2f}"
        assert {"code": "invoice_number", "params": {"number": inv.number}} in [
            {"code": e["code"], "params": e["params"]} for e in match["evidence"]
        ]
        assert any(inv.number in e["sentence"] for e in match["evidence"])
        assert residual(inv) == 0
    assert len(applied) == 6
    counts = client.get(f"{RECOGNITION}/counts").json()
    assert counts["matched"] == 6 and counts["unmatched"] + counts["suggested"] == 3

    # 3. The queue: the three lines waiting, each with the engine's explanations.
    queue = client.get(f"{RECOGNITION}/queue").json()["items"]
    waiting = {(row["payer_name"], row["amount"]): row["id"] for row in queue}
    assert set(waiting) == {
        (world.SUGGESTED_PAYER, f"{world.invoices['suggested'].total:.2f}"),
        (world.AGENT, "900.00"),
        ("", f"{world.INTEREST:.2f}"),
    }
    suggested = waiting[(world.SUGGESTED_PAYER, f"{world.invoices['suggested'].total:.2f}")]
    detail = client.get(f"{RECOGNITION}/lines/{suggested}").json()
    proposals = detail["proposals"]
    assert {p["customer_id"] for p in proposals[:2]} == {world.moon.pk, world.twin.pk}
    assert not any(p["auto"] for p in proposals)
    index = next(n for n, p in enumerate(proposals) if p["customer_id"] == world.moon.pk)
    best = proposals[index]
    assert [a["invoice"] for a in best["allocations"]] == [world.invoices["suggested"].number]
    assert "payer_name" in [e["code"] for e in best["evidence"]]
    assert all(e["sentence"] for e in best["evidence"])

    # 4. Finance knows it was MOON: that proposal confirmed, its reasons kept with the match.
    made = post(
        client,
        f"{RECOGNITION}/lines/{suggested}/match",
        {
            "parts": [
                {
                    "customer_id": best["customer_id"],
                    "amount": detail["amount"],
                    "allocations": [
                        {"installment_id": a["installment_id"], "amount": a["amount"]}
                        for a in best["allocations"]
                    ],
                }
            ],
            "proposal_index": index,
        },
    )
    assert made[0]["evidence"] == best["evidence"] and made[0]["auto"] is False
    assert residual(world.invoices["suggested"]) == 0

    # 5. The agent's 900: 400 pays MOON's small invoice, 500 is STAR's advance.
    split = world.invoices["split"]
    installment = split.installments.get()
    star_advance_before = advance(world.star)
    made = post(
        client,
        f"{RECOGNITION}/lines/{waiting[(world.AGENT, '900.00')]}/match",
        {
            "parts": [
                {"customer_id": world.star.pk, "amount": "500.00"},
                {
                    "customer_id": world.moon.pk,
                    "amount": "400.00",
                    "allocations": [{"installment_id": installment.pk, "amount": "400.00"}],
                },
            ]
        },
    )
    assert [(m["customer_id"], m["amount"]) for m in made] == [
        (world.star.pk, "500.00"),
        (world.moon.pk, "400.00"),
    ]
    assert residual(split) == 0
    assert advance(world.star) - star_advance_before == D("500.00")

    # 6. Interest is not a customer payment: posted to other income.
    income = Account.objects.get(code="6051")
    interest = waiting[("", f"{world.INTEREST:.2f}")]
    excluded = post(
        client,
        f"{RECOGNITION}/lines/{interest}/exclude",
        {"account_id": income.pk, "memo": "Q1 interest"},
    )
    assert excluded["status"] == LineStatus.EXCLUDED
    assert client.get(f"{RECOGNITION}/queue").json()["count"] == 0

    # 7. Undo what the engine applied to RIVER's OFX payment: the invoice is open again,
    # the line waits, and the engine only suggests it from now on.
    ofx_line = line_ids["journey.ofx"][0]
    undone = post(client, f"{RECOGNITION}/matches/{by_line[ofx_line]['id']}/unmatch")
    assert undone["status"] == LineStatus.UNMATCHED
    assert residual(world.invoices["ofx"]) == world.invoices["ofx"].total == D("3390.00")
    rerun = post(client, f"{RECOGNITION}/auto-match", {"line_ids": [ofx_line]})
    assert rerun["applied"] == [] and rerun["suggested"] == [ofx_line]
    assert LineMatch.objects.get(pk=by_line[ofx_line]["id"]).undone_at is not None

    # 8. Every invoice of STAR and MOON is paid, RIVER's undone one and TWIN's are open;
    # the books agree.
    for key, inv in world.invoices.items():
        fresh = Invoice.objects.get(pk=inv.pk)
        assert fresh.status == ("issued" if key in ("ofx", "twin") else "paid"), key
    counts = client.get(f"{RECOGNITION}/counts").json()
    assert (counts["matched"], counts["excluded"], counts["suggested"]) == (7, 1, 1)
    assert_verified()
