"""Round-robin assignment raced on PostgreSQL: concurrent leads take turns, none doubles up."""

from collections import Counter

import pytest

from cashloop.receivables.tests.test_concurrency import _race
from cashloop.sales import services
from cashloop.sales.models import Lead
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_leads_go_round_the_team_once_each():
    admin = UserFactory(roles=["admin"])
    team = TeamFactory(name="Inside sales")
    reps = [UserFactory(team=team, roles=["sales_rep"]) for _ in range(4)]
    services.assignment_rule_create(actor=admin, name="All web leads", team_id=team.pk)
    calls = [
        lambda n=n: services.lead_create(actor=admin, source="website", company_name=f"L{n}")
        for n in range(8)
    ]
    results, refusals, crashes = _race(calls)
    assert not crashes and not refusals and len(results) == 8
    owners = Counter(Lead.objects.values_list("owner_id", flat=True))
    assert owners == {rep.pk: 2 for rep in reps}
