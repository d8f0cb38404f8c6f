"""Random sequences of receivables operations, with `verify` clean after every step.

Hypothesis drives issue, pay, allocate (manual and automatic), un-allocate, credit,
write-off and refund across CNY and USD customers; every refusal must be a DomainError
that changed nothing, and every step must leave `verify` without a single difference.
"""

import os
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cashloop.core.errors import DomainError
from cashloop.ledger.models import JournalLine
from cashloop.receivables import services
from cashloop.receivables.choices import WriteOffKind
from cashloop.receivables.models import Allocation, Installment
from cashloop.receivables.services import InstallmentIn, LineIn
from cashloop.receivables.tests.test_services import DAY
from tests.factories import CustomerFactory, UserFactory
from tests.ledger_check import assert_verified

CENTS = st.integers(min_value=1, max_value=500_000)
INVOICE_CENTS = st.integers(min_value=300, max_value=500_000)  # splits into 3 positive parts
RATES = st.sampled_from([Decimal("6.8912"), Decimal("7.1"), Decimal("7.2345")])


class Receivables(RuleBasedStateMachine):
    invoices = Bundle("invoices")
    payments = Bundle("payments")
    allocations = Bundle("allocations")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.finance = UserFactory(roles=["finance"])
        self.customers = [
            CustomerFactory(currency="CNY"),
            CustomerFactory(currency="CNY"),
            CustomerFactory(currency="USD"),
        ]

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _refused_cleanly(self, call) -> None:
        lines_before = JournalLine.objects.count()
        try:
            with transaction.atomic():
                call()
        except DomainError:
            assert JournalLine.objects.count() == lines_before

    @rule(
        target=invoices,
        who=st.integers(0, 2),
        cents=INVOICE_CENTS,
        parts=st.integers(1, 3),
        vat=st.sampled_from(["0", "0.06", "0.13"]),
        rate=RATES,
    )
    def issue(self, who, cents, parts, vat, rate):
        customer = self.customers[who]
        draft = services.invoice_create(
            actor=self.finance,
            customer_id=customer.pk,
            issue_date=DAY,
            lines=[LineIn("item", Decimal(1), Decimal(cents) / 100, Decimal(vat))],
            installments=[InstallmentIn(due_days=30 * n) for n in range(parts)],
            rate=rate if customer.currency == "USD" else None,
        )
        return services.invoice_issue(actor=self.finance, invoice_id=draft.pk)

    @rule(target=payments, who=st.integers(0, 2), cents=CENTS, rate=RATES)
    def pay(self, who, cents, rate):
        customer = self.customers[who]
        return services.payment_create(
            actor=self.finance,
            customer_id=customer.pk,
            amount=Decimal(cents) / 100,
            payment_date=DAY,
            rate=rate if customer.currency == "USD" else None,
        )

    @rule(target=allocations, payment=payments, invoice=invoices, share=st.integers(1, 100))
    def allocate(self, payment, invoice, share):
        payment.refresh_from_db()
        installment = (
            Installment.objects.filter(invoice=invoice, residual__gt=0).order_by("due_date").first()
        )
        if installment is None or payment.unapplied == 0:
            return None
        ceiling = min(installment.residual, payment.unapplied)
        amount = max((ceiling * share / 100).quantize(Decimal("0.01")), Decimal("0.01"))
        made = []

        def call():
            made.append(
                services.allocation_create(
                    actor=self.finance,
                    payment_id=payment.pk,
                    installment_id=installment.pk,
                    amount=amount,
                    allocation_date=DAY,
                )
            )

        self._refused_cleanly(call)
        return made[0] if made else None

    @rule(payment=payments, invoice=invoices)
    def over_allocate_is_refused(self, payment, invoice):
        payment.refresh_from_db()
        installment = invoice.installments.order_by("due_date").first()
        installment.refresh_from_db()
        too_much = max(installment.residual, payment.unapplied) + Decimal("0.01")
        with pytest.raises(DomainError):
            services.allocation_create(
                actor=self.finance,
                payment_id=payment.pk,
                installment_id=installment.pk,
                amount=too_much,
                allocation_date=DAY,
            )

    @rule(payment=payments)
    def auto_allocate(self, payment):
        services.payment_auto_allocate(
            actor=self.finance, payment_id=payment.pk, allocation_date=DAY
        )

    @rule(allocation=consumes(allocations))
    def undo(self, allocation):
        if allocation is None or Allocation.objects.filter(undoes=allocation).exists():
            return
        self._refused_cleanly(
            lambda: services.allocation_undo(actor=self.finance, allocation_id=allocation.pk)
        )

    @rule(invoice=invoices, cents=CENTS)
    def credit(self, invoice, cents):
        self._refused_cleanly(
            lambda: services.credit_note_create(
                actor=self.finance,
                invoice_id=invoice.pk,
                lines=[LineIn("credit", Decimal(1), Decimal(cents) / 100, Decimal("0.13"))],
                reason="adjustment",
                credit_date=DAY,
            )
        )

    @rule(invoice=invoices)
    def write_off(self, invoice):
        installment = invoice.installments.filter(residual__gt=0).first()
        if installment is None:
            return
        self._refused_cleanly(
            lambda: services.write_off_create(
                actor=self.finance,
                installment_id=installment.pk,
                kind=WriteOffKind.BAD_DEBT,
                reason="gone",
                write_off_date=DAY,
            )
        )

    @rule(payment=payments, share=st.integers(1, 100))
    def refund(self, payment, share):
        payment.refresh_from_db()
        if payment.unapplied == 0:
            return
        amount = max((payment.unapplied * share / 100).quantize(Decimal("0.01")), Decimal("0.01"))
        self._refused_cleanly(
            lambda: services.payment_refund(
                actor=self.finance, payment_id=payment.pk, amount=amount, refund_date=DAY
            )
        )

    @invariant()
    def verify_is_clean(self):
        assert_verified()


@pytest.mark.django_db
def test_random_sequences_keep_verify_clean():
    run_state_machine_as_test(
        Receivables,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            database=None,
            # On CI a failure should be reported at once; shrinking can take many minutes.
            phases=[Phase.explicit, Phase.generate] if os.environ.get("CI") else list(Phase),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
