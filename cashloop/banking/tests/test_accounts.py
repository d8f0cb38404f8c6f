"""Bank accounts and import profiles: services and API, with their refusals."""

from __future__ import annotations

import pytest

from cashloop.banking import services
from cashloop.banking.models import BankAccount, ImportProfile
from cashloop.core.errors import DomainError
from cashloop.ledger.choices import AccountType
from cashloop.ledger.models import Account

API = "/api/v1"


def code(response):  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


def test_builtin_profiles_are_installed_once(db):
    from cashloop.banking.profiles import BUILTIN_PROFILES, install_builtin_profiles

    install_builtin_profiles(ImportProfile)
    builtins = ImportProfile.objects.filter(builtin=True)
    assert builtins.count() == len(BUILTIN_PROFILES) == 8
    assert set(builtins.values_list("code", flat=True)) >= {"icbc", "ccb", "wechat-pay", "alipay"}


def test_bank_account_needs_a_bank_ledger_account(company, bank_ledger):
    revenue = Account.objects.filter(type=AccountType.REVENUE).first()
    with pytest.raises(DomainError) as caught:
        services.bank_account_create(
            actor=company.admin,
            name="x",
            bank="y",
            account_number="1",
            currency="CNY",
            ledger_account_id=revenue.pk,
        )
    assert caught.value.code.code == "bank_account.ledger_not_bank"
    child = Account.objects.create(
        code="1002.01", name_zh="工行", name_en="ICBC", type=AccountType.ASSET, parent=bank_ledger
    )
    account = services.bank_account_create(
        actor=company.finance,
        name="x",
        bank="y",
        account_number="1",
        currency="usd",
        ledger_account_id=child.pk,
    )
    assert account.currency == "USD" and account.ledger_account == child


def test_bank_account_number_unique_and_currency_fixed_once_lines_exist(company, bank_account):
    with pytest.raises(DomainError) as caught:
        services.bank_account_create(
            actor=company.admin,
            name="dup",
            bank="y",
            account_number=bank_account.account_number,
            currency="CNY",
            ledger_account_id=bank_account.ledger_account_id,
        )
    assert caught.value.code.code == "bank_account.number_taken"
    updated = services.bank_account_update(
        actor=company.finance, bank_account_id=bank_account.pk, changes={"currency": "USD"}
    )
    assert updated.currency == "USD"


def test_sales_reps_neither_see_nor_add_bank_accounts(company, bank_account, client):
    client.force_login(company.rep_east)
    assert client.get(f"{API}/bank-accounts").status_code == 403
    client.force_login(company.finance)
    assert client.get(f"{API}/bank-accounts").json()["count"] == 1


def test_bank_account_api_create_patch_and_refusals(company, bank_ledger, client):
    client.force_login(company.finance)
    body = {
        "name": "招行美元户",
        "bank": "招商银行",
        "account_number": "7550 1234",
        "currency": "USD",
        "ledger_account_id": bank_ledger.pk,
        "open_from": "2026-01-01",
    }
    created = client.post(f"{API}/bank-accounts", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    again = client.post(f"{API}/bank-accounts", body, content_type="application/json")
    assert (again.status_code, code(again)) == (409, "bank_account.number_taken")
    bad = client.post(
        f"{API}/bank-accounts",
        body | {"currency": "XXQ", "account_number": "9"},
        content_type="application/json",
    )
    assert code(bad) == "money.unknown_currency"
    changed = client.patch(
        f"{API}/bank-accounts/{pk}", {"active": False}, content_type="application/json"
    )
    assert changed.json()["active"] is False
    assert client.get(f"{API}/bank-accounts/999999").status_code == 404
    assert BankAccount.objects.count() == 1


def test_profiles_copy_edit_and_builtins_stay_read_only(company, bank_account, client):
    client.force_login(company.finance)
    icbc = ImportProfile.objects.get(code="icbc")
    refused = client.patch(
        f"{API}/statement-imports/profiles/{icbc.pk}",
        {"name": "x"},
        content_type="application/json",
    )
    assert (refused.status_code, code(refused)) == (409, "import_profile.builtin")
    copy = client.post(
        f"{API}/statement-imports/profiles/{icbc.pk}/copy",
        {"code": "icbc-ours", "name": "我们的工行"},
        content_type="application/json",
    )
    assert copy.status_code == 201 and copy.json()["columns"] == icbc.columns
    pk = copy.json()["id"]
    edited = client.patch(
        f"{API}/statement-imports/profiles/{pk}",
        {"columns": {"date": "交易日期", "amount": "金额"}, "decimal_comma": True},
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["decimal_comma"] is True
    broken = client.patch(
        f"{API}/statement-imports/profiles/{pk}",
        {"columns": {"date": "交易日期"}},
        content_type="application/json",
    )
    assert (broken.status_code, code(broken)) == (422, "import_profile.columns_invalid")
    taken = client.post(
        f"{API}/statement-imports/profiles/{icbc.pk}/copy",
        {"code": "icbc-ours", "name": "again"},
        content_type="application/json",
    )
    assert code(taken) == "import_profile.code_taken"
    direction = client.post(
        f"{API}/statement-imports/profiles",
        {
            "code": "d",
            "name": "d",
            "columns": {"date": "a", "amount": "b", "direction": "c"},
        },
        content_type="application/json",
    )
    assert code(direction) == "import_profile.columns_invalid"
    assert len(client.get(f"{API}/statement-imports/profiles").json()) == 9
