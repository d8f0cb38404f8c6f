"""Credit control through the services: holds, the sale check, release and limit approval."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cashloop.approvals.services import approval_request_approve
from cashloop.contracts.choices import ContractStatus
from cashloop.contracts.services import contract_activate
from cashloop.core.errors import DomainError
from cashloop.credit.models import CreditHold, CreditProfile, LimitChange, RiskSignal
from cashloop.credit.selectors import customer_credit, customer_hold
from cashloop.credit.services import (
    SignalIn,
    credit_hold_place,
    credit_hold_release_request,
    credit_holds_evaluate,
    credit_limit_change_request,
    risk_signal_create,
)

pytestmark = pytest.mark.django_db


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code.code


def test_an_over_limit_customer_gets_no_contract_until_finance_approves_a_release(
    company, flows, limited, draft
):
    # when: the manager activates a 12,360.00 contract against a 5,000.00 limit
    activate = lambda: contract_activate(actor=company.manager_east, contract_id=draft.pk)  # noqa: E731
    assert code_of(activate) == "credit.on_hold"
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT
    # when: the rep asks for a release; the automatic hold is placed and waits for finance
    holds = credit_hold_release_request(
        actor=company.rep_east, customer_id=limited.pk, reason="Strategic deal"
    )
    assert [(h.source, h.released_at) for h in holds] == [("limit", None)]
    assert holds[0].approval_request is not None
    assert code_of(activate) == "credit.on_hold"
    # when: finance approves
    approval_request_approve(actor=company.finance, request_id=holds[0].approval_request.pk)
    # then: the hold is released, and the contract is activated
    assert customer_hold(limited.pk) is None
    assert contract_activate(actor=company.manager_east, contract_id=draft.pk).status == (
        ContractStatus.ACTIVE
    )


def test_the_hold_message_names_the_reason_and_the_way_out(company, customers):
    from django.utils import translation

    from cashloop.credit.services import credit_check_sale

    customer = customers["rep_east"]
    credit_hold_place(
        actor=company.finance, customer_id=customer.pk, reason="Lawsuit", source="manual"
    )
    with pytest.raises(DomainError) as caught:
        credit_check_sale(customer_id=customer.pk)
    assert caught.value.status == 409
    with translation.override("en"):
        assert "Lawsuit" in caught.value.message and "release" in caught.value.message


def test_placing_a_hold_twice_for_the_same_source_keeps_one(company, customers):
    customer = customers["rep_south"]
    first = credit_hold_place(
        actor=None, customer_id=customer.pk, reason="Level 4", source="dunning"
    )
    again = credit_hold_place(
        actor=None, customer_id=customer.pk, reason="Level 4", source="dunning"
    )
    assert first.pk == again.pk and CreditHold.objects.count() == 1


def test_releasing_without_the_right_is_refused_and_nothing_changes(company, flows, customers):
    customer = customers["rep_east"]
    credit_hold_place(actor=company.finance, customer_id=customer.pk, reason="x", source="manual")
    release = lambda: credit_hold_release_request(  # noqa: E731
        actor=company.viewer, customer_id=customer.pk, reason="please"
    )
    assert code_of(release) == "credit.release_not_allowed"
    assert CreditHold.objects.get().approval_request is None


def test_a_negative_limit_is_refused(company, flows, customers):
    change = lambda: credit_limit_change_request(  # noqa: E731
        actor=company.finance, customer_id=customers["rep_east"].pk, limit=Decimal("-1")
    )
    assert code_of(change) == "credit.limit_negative"
    assert not LimitChange.objects.exists()


def test_a_limit_change_applies_only_when_approved(company, flows, customers):
    customer = customers["rep_east"]
    change = credit_limit_change_request(
        actor=company.finance, customer_id=customer.pk, limit=Decimal("8000"), reason="grew"
    )
    assert change.status == "pending" and not CreditProfile.objects.exists()
    approval_request_approve(actor=company.admin, request_id=change.approval_request.pk)
    assert CreditProfile.objects.get(customer=customer).limit == Decimal("8000.00")


def test_the_daily_check_is_idempotent_and_releases_when_the_cause_clears(company, limited):
    from cashloop.contracts.models import Contract

    assert credit_holds_evaluate(today=date(2026, 4, 1)).placed == 0
    CreditProfile.objects.filter(customer=limited).update(limit=Decimal("0"))
    Contract.objects.none()
    # Nothing is owed yet: zero exposure is within a zero limit.
    assert credit_holds_evaluate(today=date(2026, 4, 1)).placed == 0
    credit_hold_place(actor=None, customer_id=limited.pk, reason="over", source="limit")
    result = credit_holds_evaluate(today=date(2026, 4, 1))
    assert result.released == 1 and customer_hold(limited.pk) is None
    assert credit_holds_evaluate(today=date(2026, 4, 1)).released == 0


def test_a_signal_lowers_the_score_explains_it_and_alerts(company, customers):
    from cashloop.notifications.models import Notification

    customer = customers["rep_east"]
    risk_signal_create(
        actor=company.finance,
        signal=SignalIn(
            customer_id=customer.pk,
            kind="lawsuit",
            source="裁判文书网",
            date=date.today(),
            severity="high",
        ),
    )
    profile = CreditProfile.objects.get(customer=customer)
    assert profile.score == 80
    assert profile.score_explained[-1]["code"] == "signals"
    assert Notification.objects.filter(user__in=[company.finance, company.rep_east]).count() == 2
    credit = customer_credit(user=company.rep_east, customer_id=customer.pk)
    assert credit is not None and credit["position"].score == 80


def test_a_signal_for_an_unknown_customer_is_refused(company):
    signal = SignalIn(
        customer_code="NOPE", kind="other", source="x", date=date.today(), severity="low"
    )
    assert (
        code_of(lambda: risk_signal_create(actor=company.finance, signal=signal))
        == "risk_signal.customer_not_found"
    )
    assert not RiskSignal.objects.exists()
