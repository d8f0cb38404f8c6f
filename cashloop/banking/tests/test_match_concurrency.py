"""Two clerks confirm the same statement line at once (PostgreSQL only).

The line is locked before anything is written, so the second clerk waits, then finds it
recognised already: exactly one recognition, one payment, and verify stays clean.
"""

from decimal import Decimal

import pytest

from cashloop.banking.choices import LineStatus
from cashloop.banking.match_errors import MatchError
from cashloop.banking.match_services import MatchPart, statement_line_match
from cashloop.banking.models import LineMatch
from cashloop.banking.tests.match_fixtures import bank_account, customer, invoice, line
from cashloop.receivables.models import Allocation, Payment
from cashloop.receivables.tests.test_concurrency import _race
from tests.factories import UserFactory
from tests.ledger_check import assert_verified

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clerks_confirm_one_line_with_different_proposals(company):
    clerk_a = UserFactory(roles=["finance"])
    clerk_b = UserFactory(roles=["finance"])
    star = customer(company, "上海星河科技有限公司", code="SH-STAR")
    moon = customer(company, "北京明月贸易有限公司", code="BJ-MOON")
    star_invoice = invoice(company, star, "1130.00")
    moon_invoice = invoice(company, moon, "1130.00")
    row = line(bank_account(), "1130.00", reference="货款")
    # Each clerk takes a different candidate: the line paid Star's invoice, or Moon's.
    proposals = [
        (clerk_a, star.pk, star_invoice.installments.get().pk),
        (clerk_b, moon.pk, moon_invoice.installments.get().pk),
    ]
    calls = [
        (
            lambda clerk=clerk, who=who, item=item: statement_line_match(
                actor=clerk,
                line_id=row.pk,
                parts=[MatchPart(who, D("1130.00"), allocations=[(item, D("1130.00"))])],
            )
        )
        for clerk, who, item in proposals
    ]
    results, refusals, crashes = _race(calls)
    assert crashes == []
    assert len(results) == 1
    assert refusals == [MatchError.LINE_NOT_OPEN]
    row.refresh_from_db()
    assert row.status == LineStatus.MATCHED
    winner = LineMatch.objects.get(line=row)
    assert [m.pk for m in results[0]] == [winner.pk]
    assert Payment.objects.count() == 1 and Payment.objects.get() == winner.payment
    assert Allocation.objects.count() == 1
    assert_verified()
