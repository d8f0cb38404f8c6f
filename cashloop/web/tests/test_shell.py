"""The page shell: navigation, friendly error pages, language switch, deploy settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]


def test_dashboard_lists_every_section(client, company, customers):
    client.force_login(company.rep_east)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    for label in ("Customers", "Pipeline", "Contracts", "Invoices", "Payments", "Dunning"):
        assert label in html
    assert response.context["customer_count"] == 1  # the rep sees only their own


@override_settings(DEBUG=False)
def test_friendly_404_and_403_pages(client, company):
    client.force_login(company.viewer)
    missing = client.get("/customers/999999/")
    assert missing.status_code == 404
    assert "web/error.html" in [t.name for t in missing.templates]
    denied = client.get("/customers/new/")
    assert denied.status_code == 403
    assert "web/error.html" in [t.name for t in denied.templates]


def test_friendly_500_page(rf, company):
    from cashloop.web.views import error_500

    request = rf.get("/")
    request.user = company.viewer
    response = error_500(request)
    assert response.status_code == 500
    assert b"500" in response.content


def test_language_switch_sets_the_language(client, company):
    client.force_login(company.rep_east)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "k" * 30 + "-Production-Secret-Key-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "crm.example.com",
        "CASHLOOP_HTTPS": "1",
        "CASHLOOP_VAR_DIR": str(tmp_path),
        "CASHLOOP_TESTING": "0",
        "DJANGO_SETTINGS_MODULE": "cashloop.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cashloop", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_not_fixed(tmp_path):
    env = {**os.environ, "CASHLOOP_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = [sys.executable, "-c", f"import django, os; django.setup(); {code}"]
    env["DJANGO_SETTINGS_MODULE"] = "cashloop.settings"
    first = subprocess.run(run, env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    second = subprocess.run(run, env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_seed_is_deterministic_and_refuses_a_full_database(monkeypatch):
    from django.core.management import CommandError, call_command
    from django.db import transaction

    from cashloop.customers.models import Contact, Customer
    from cashloop.identity.models import User

    # The money part has its own test; here only the company's shape matters.
    monkeypatch.setattr(
        "cashloop.web.management.commands.seed._seed_contract_to_cash", lambda *args: 0
    )

    def load() -> list[tuple[str, str, str]]:
        call_command("seed", "--size", "demo", "--seed", "7")
        return list(
            Customer.objects.order_by("code").values_list("code", "name", "owner__username")
        )

    with transaction.atomic():
        first = load()
        transaction.set_rollback(True)
    second = load()
    assert second == first and len(first) == 60
    assert Contact.objects.count() >= 60
    roles = set(User.objects.values_list("roles__code", flat=True))
    assert {"sales_manager", "sales_rep", "finance", "collector", "treasurer"} <= roles
    assert {"service_agent", "viewer"} <= roles
    assert set(Customer.objects.values_list("currency", flat=True)) == {"CNY", "USD"}
    with pytest.raises(CommandError):
        call_command("seed", "--size", "demo", "--seed", "7")
    call_command("seed", "--if-empty")  # succeeds, does nothing
    assert Customer.objects.count() == 60


@pytest.mark.django_db
def test_seeded_money_looks_like_a_company_and_verifies():
    from django.core.management import call_command

    from cashloop.contracts.models import Contract, RevenueRecognition
    from cashloop.cpq.models import Quote
    from cashloop.receivables.models import Invoice, Payment
    from tests.ledger_check import assert_verified

    call_command("seed", "--size", "demo", "--seed", "3")
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert {"paid", "issued"} <= statuses
    assert Invoice.objects.count() > 100 and Payment.objects.count() > 100
    # Forced revenue: every issued invoice came from a contract's plan; the one sale
    # outside a contract waits for approval.
    issued = Invoice.objects.exclude(status="draft")
    assert set(issued.values_list("origin", flat=True)) == {"contract"}
    assert issued.filter(plan_item__isnull=True).count() == 0
    held = Invoice.objects.get(status="draft")
    assert held.origin == "non_contract" and held.held_postings.get().status == "pending"
    assert Contract.objects.filter(status="active").count() == 30
    assert RevenueRecognition.objects.exists()
    assert {"draft", "pending_approval", "accepted", "rejected"} <= set(
        Quote.objects.values_list("status", flat=True)
    )
    assert_verified()
