"""`seed --size large` scaled down: the CRM's bulk rows (opportunities with their stage
histories, interactions with their contacts) are what the services would have left."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db.models import Count

from cashloop.customers.models import Customer, Interaction
from cashloop.sales.models import Opportunity, StageChange
from cashloop.sales.tests.conftest import install_pipeline
from tests.ledger_check import assert_verified

pytestmark = pytest.mark.django_db(transaction=True)


def test_large_seed_writes_the_crm_in_bulk():
    install_pipeline()
    call_command(
        "seed", "--size", "large", "--customers", "120", "--open-installments", "200",
        "--opportunities", "400", "--interactions", "3000", stdout=open("/dev/null", "w"),  # noqa: SIM115
    )  # fmt: skip
    assert Opportunity.objects.count() == 400
    assert Interaction.objects.count() == 3000
    # Every deal's history starts at its creation and ends in its stage.
    histories: dict[int, list[StageChange]] = {}
    for row in StageChange.objects.order_by("opportunity_id", "changed_at", "id"):
        histories.setdefault(row.opportunity_id, []).append(row)
    for deal in Opportunity.objects.all():
        history = histories[deal.pk]
        assert history[0].from_stage_id is None and history[-1].to_stage_id == deal.stage_id
        assert all(a.to_stage_id == b.from_stage_id for a, b in pairwise(history))
        assert isinstance(deal.products, list) and deal.products
    # Interactions are spread unevenly: the busiest customer has many more than most.
    counts = sorted(Customer.objects.annotate(n=Count("interactions")).values_list("n", flat=True))
    assert counts[-1] >= 5 * counts[len(counts) // 2]
    assert Interaction.contacts.through.objects.exists()
    latest = Customer.objects.filter(interactions__isnull=False).distinct().first()
    assert latest.last_interaction_at == latest.interactions.order_by("-occurred_at")[0].occurred_at
    # The application's own inserts take the next ids after the bulk rows.
    assert Opportunity.objects.create(**_copy(Opportunity.objects.first())).pk > 400
    assert_verified()


def _copy(deal: Opportunity) -> dict:
    fields = [f.attname for f in Opportunity._meta.concrete_fields if f.attname != "id"]
    return {name: getattr(deal, name) for name in fields}
