"""Fixtures of the banking tests: a CNY bank account on the chart's bank deposits account."""

from __future__ import annotations

from pathlib import Path

import pytest

from cashloop.banking import services
from cashloop.banking.models import BankAccount, ImportProfile
from cashloop.banking.profiles import install_builtin_profiles
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bank_ledger(db) -> Account:  # type: ignore[no-untyped-def]
    return Account.objects.get(role=AccountRole.BANK)


@pytest.fixture
def bank_account(company, bank_ledger) -> BankAccount:  # type: ignore[no-untyped-def]
    if not ImportProfile.objects.filter(builtin=True).exists():
        install_builtin_profiles(ImportProfile)  # a transactional test flushed them
    return services.bank_account_create(
        actor=company.admin,
        name="工行基本户",
        bank="工商银行",
        account_number="6222 0000 0000 0001",
        currency="CNY",
        ledger_account_id=bank_ledger.pk,
        profile_id=ImportProfile.objects.get(code="icbc").pk,
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
