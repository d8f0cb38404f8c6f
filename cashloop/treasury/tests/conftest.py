"""Fixtures of the treasury tests (cash position, rates, budgets, forecasts): see cash_fixtures."""

from cashloop.treasury.tests.cash_fixtures import (  # noqa: F401 (fixtures)
    bank_accounts,
    book,
    treasurer,
)
