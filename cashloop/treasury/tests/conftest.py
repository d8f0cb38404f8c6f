"""Fixtures of the treasury tests (cash position, rates, budgets): see cash_fixtures."""

from cashloop.treasury.tests.cash_fixtures import bank_accounts, treasurer  # noqa: F401 (fixtures)
