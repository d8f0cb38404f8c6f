"""Hand-over (客户移交) and the public pool (公海): services, rules, refusals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditEntry
from cashloop.customers import selectors
from cashloop.customers.choices import PoolEventKind
from cashloop.customers.errors import CustomerError, HandOverError, PoolError
from cashloop.customers.models import Customer, HandOver, Interaction, PoolEvent, PoolSettings
from cashloop.customers.services import (
    customer_claim,
    customer_hand_over,
    customer_pool_assign,
    customer_release,
    interaction_create,
    pool_settings_update,
    pool_sweep,
)
from cashloop.customers.tasks import pool_sweep as pool_sweep_task
from cashloop.sales.models import Opportunity
from cashloop.sales.services import opportunity_create, opportunity_move
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _opportunity(owner, customer, name="Deal"):
    return opportunity_create(
        actor=owner,
        customer_id=customer.pk,
        name=name,
        amount=Decimal("1000.00"),
        currency="CNY",
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )


def _refused(code, call):
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code is code
    return caught.value


# Hand-over


def test_manager_hands_over_all_of_a_reps_customers_with_open_deals_and_steps(company):
    rep, heir = company.rep_east, UserFactory(team=company.east_sub, roles=["sales_rep"])
    mine = [CustomerFactory(owner=rep) for _ in range(3)]
    other = CustomerFactory(owner=company.rep_south)
    open_deal = _opportunity(rep, mine[0])
    won = _opportunity(rep, mine[1], "won")
    won_stage = won.pipeline.stages.get(kind="won")
    opportunity_move(actor=rep, opportunity_id=won.pk, stage_id=won_stage.pk)
    interaction_create(
        actor=rep, customer_id=mine[2].pk, kind="call", summary="hi", next_step="call back"
    )

    preview = selectors.hand_over_plan(
        user=company.manager_east, from_user_id=rep.pk, to_user_id=heir.pk, customer_ids=None
    )
    assert preview.counts == {"customers": 3, "next_steps": 1, "opportunities": 1}

    hand_over = customer_hand_over(
        actor=company.manager_east,
        customer_ids=None,
        from_user_id=rep.pk,
        to_user_id=heir.pk,
        reason="李四离职",
    )

    assert hand_over.counts == {"customers": 3, "next_steps": 1, "opportunities": 1}
    assert set(hand_over.customers.values_list("pk", flat=True)) == {c.pk for c in mine}
    for customer in Customer.objects.filter(pk__in=[c.pk for c in mine]):
        assert (customer.owner, customer.team) == (heir, company.east_sub)
        assert customer.owner_since is not None
    other.refresh_from_db()
    assert other.owner == company.rep_south
    open_deal.refresh_from_db()
    won.refresh_from_db()
    assert (open_deal.owner, open_deal.team) == (heir, company.east_sub)
    assert won.owner == rep  # a closed deal keeps who closed it
    # The open step is now on the heir's to-do list, and off the leaver's.
    assert [i.next_step for i in selectors.interaction_todo(user=heir)] == ["call back"]
    assert list(selectors.interaction_todo(user=rep)) == []
    audit = AuditEntry.objects.filter(
        object_type__model="customer", object_id=str(mine[0].pk), reason="李四离职"
    ).get()
    assert audit.actor == company.manager_east
    assert "owner" in audit.changes
    assert list(selectors.hand_over_list(user=company.manager_east)) == [hand_over]
    assert list(selectors.hand_over_list(user=company.rep_south)) == []


def test_hand_over_of_chosen_customers_can_leave_opportunities(company):
    rep, heir = company.rep_east, company.rep_east_sub
    a, b = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    deal = _opportunity(rep, a)
    hand_over = customer_hand_over(
        actor=company.admin,
        customer_ids=[a.pk],
        from_user_id=rep.pk,
        to_user_id=heir.pk,
        reason="territory change",
        include_opportunities=False,
    )
    assert hand_over.customer_count == 1
    assert "opportunities" not in hand_over.counts
    deal.refresh_from_db()
    b.refresh_from_db()
    assert deal.owner == rep
    assert b.owner == rep


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("inactive", HandOverError.TO_INACTIVE),
        ("same", HandOverError.SAME_USER),
        ("not_owned", HandOverError.NOT_OWNED),
        ("rep", CoreError.PERMISSION_DENIED),
        ("outside_team", HandOverError.USER_NOT_FOUND),
        ("no_reason", HandOverError.REASON_REQUIRED),
        ("nothing", HandOverError.NOTHING),
    ],
)
def test_hand_over_refusals_change_nothing(company, case, code):
    rep = company.rep_east
    customer = CustomerFactory(owner=rep)
    south = CustomerFactory(owner=company.rep_south)
    gone = UserFactory(team=company.east, roles=["sales_rep"], is_active=False)
    args = {
        "actor": company.manager_east,
        "customer_ids": [customer.pk],
        "from_user_id": rep.pk,
        "to_user_id": company.rep_east_sub.pk,
        "reason": "leaving",
    }
    args.update(
        {
            "inactive": {"to_user_id": gone.pk},
            "same": {"to_user_id": rep.pk},
            "not_owned": {"customer_ids": [customer.pk, south.pk]},
            "rep": {"actor": rep},
            "outside_team": {"to_user_id": company.rep_south.pk},
            "no_reason": {"reason": "  "},
            "nothing": {
                "from_user_id": company.rep_east_sub.pk,
                "to_user_id": rep.pk,
                "customer_ids": None,
            },
        }[case]
    )
    _refused(code, lambda: customer_hand_over(**args))
    customer.refresh_from_db()
    assert customer.owner == rep
    assert not HandOver.objects.exists()


# The public pool


@pytest.fixture
def rules(db):
    rules = PoolSettings.current()
    rules.enabled = True
    rules.days_without_interaction = 30
    rules.days_without_deal = 90
    rules.claim_limit = 2
    rules.reclaim_cooldown_days = 7
    rules.save()
    return rules


def _pool_customer(team=None, **kwargs):
    return CustomerFactory(owner=None, team=team, **kwargs)


def test_every_rep_sees_the_pool_but_not_its_customers_pages(company, rules):
    pooled = _pool_customer(name="无主客户")
    CustomerFactory(owner=company.rep_south)
    assert list(selectors.pool_list(user=company.rep_east)) == [pooled]
    assert list(selectors.pool_list(user=company.rep_south, q="无主")) == [pooled]
    # Claiming is widened for pool rows; viewing, invoices and the rest are not.
    assert not Customer.objects.restrict(company.rep_east, "view").filter(pk=pooled.pk).exists()
    _refused(
        CustomerError.NOT_FOUND,
        lambda: selectors.customer_get(user=company.rep_east, customer_id=pooled.pk),
    )
    _refused(CoreError.PERMISSION_DENIED, lambda: selectors.pool_list(user=company.viewer))


def test_claim_release_and_cooldown(company, rules):
    rep = company.rep_east
    pooled = _pool_customer()
    customer_claim(actor=rep, customer_id=pooled.pk)
    pooled.refresh_from_db()
    assert (pooled.owner, pooled.team) == (rep, company.east)
    assert list(selectors.pool_list(user=company.rep_south)) == []
    _refused(
        PoolError.NOT_IN_POOL,
        lambda: customer_claim(actor=company.rep_south, customer_id=pooled.pk),
    )

    _refused(
        PoolError.REASON_REQUIRED,
        lambda: customer_release(actor=rep, customer_id=pooled.pk, reason=""),
    )
    customer_release(actor=rep, customer_id=pooled.pk, reason="not a fit")
    pooled.refresh_from_db()
    assert pooled.owner is None
    assert pooled.team == company.east  # its team's manager keeps seeing it
    _refused(
        PoolError.NO_OWNER,
        lambda: customer_release(actor=company.admin, customer_id=pooled.pk, reason="x"),
    )

    error = _refused(
        PoolError.RECLAIM_TOO_SOON, lambda: customer_claim(actor=rep, customer_id=pooled.pk)
    )
    assert "claimable_from" in error.details
    # Another rep may; after K days the first may too.
    PoolEvent.objects.filter(customer=pooled).update(at=timezone.now() - timedelta(days=8))
    customer_claim(actor=rep, customer_id=pooled.pk)
    kinds = list(
        PoolEvent.objects.filter(customer=pooled).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["claimed", "released", "claimed"]


def test_claim_limit(company, rules):
    rep = company.rep_east
    CustomerFactory(owner=rep)
    CustomerFactory(owner=rep)
    pooled = _pool_customer(team=company.east)
    error = _refused(
        PoolError.CLAIM_LIMIT, lambda: customer_claim(actor=rep, customer_id=pooled.pk)
    )
    assert "2" in error.message
    pooled.refresh_from_db()
    assert pooled.owner is None
    assert not PoolEvent.objects.exists()
    # A manager's assignment is a decision, not a claim: no limit.
    customer_pool_assign(actor=company.manager_east, customer_id=pooled.pk, user_id=rep.pk)
    pooled.refresh_from_db()
    assert pooled.owner == rep
    assert PoolEvent.objects.get().kind == PoolEventKind.ASSIGNED


def test_sweep_returns_quiet_customers_once(company, rules):
    rules.claim_limit = None
    rules.save()
    rep = company.rep_east
    long_ago = timezone.now() - timedelta(days=40)
    quiet = CustomerFactory(owner=rep)
    busy = CustomerFactory(owner=rep)
    fresh = CustomerFactory(owner=rep)  # just got: its clock starts now
    Customer.objects.filter(pk__in=[quiet.pk, busy.pk]).update(
        created_at=long_ago, owner_since=long_ago
    )
    interaction_create(actor=rep, customer_id=busy.pk, kind="call", summary="still talking")

    assert pool_sweep() == 1
    assert pool_sweep() == 0  # idempotent
    quiet.refresh_from_db()
    busy.refresh_from_db()
    fresh.refresh_from_db()
    assert quiet.owner is None
    assert (busy.owner, fresh.owner) == (rep, rep)
    event = PoolEvent.objects.get()
    assert (event.kind, event.user, event.actor) == (PoolEventKind.RETURNED, rep, None)
    assert "30" in event.reason
    assert AuditEntry.objects.filter(
        object_type__model="customer", object_id=str(quiet.pk), reason=event.reason
    ).exists()
    # The rep who lost it waits out the cooldown.
    _refused(PoolError.RECLAIM_TOO_SOON, lambda: customer_claim(actor=rep, customer_id=quiet.pk))


def test_sweep_no_deal_rule_and_won_deal_keeps_customer(company, rules):
    rules.days_without_interaction = None
    rules.save()
    rep = company.rep_east
    long_ago = timezone.now() - timedelta(days=100)
    without, with_deal = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    won = _opportunity(rep, with_deal)
    opportunity_move(
        actor=rep, opportunity_id=won.pk, stage_id=won.pipeline.stages.get(kind="won").pk
    )
    Customer.objects.filter(owner=rep).update(created_at=long_ago, owner_since=long_ago)
    Interaction.objects.all().delete()
    assert pool_sweep_task.call() == 1
    without.refresh_from_db()
    with_deal.refresh_from_db()
    assert without.owner is None
    assert with_deal.owner == rep
    assert Opportunity.objects.get().owner == rep


def test_sweep_does_nothing_when_switched_off(company, rules):
    rules.enabled = False
    rules.save()
    CustomerFactory(owner=company.rep_east)
    Customer.objects.update(created_at=timezone.now() - timedelta(days=400), owner_since=None)
    call_command("pool_sweep")
    assert not Customer.objects.filter(owner=None).exists()


def test_only_admins_change_the_rules(company, rules):
    _refused(
        CoreError.PERMISSION_DENIED,
        lambda: pool_settings_update(actor=company.manager_east, changes={"claim_limit": 9}),
    )
    pool_settings_update(actor=company.admin, changes={"claim_limit": 9})
    assert PoolSettings.current().claim_limit == 9
