"""Pages of the public pool, hand-over and merge."""

import pytest

from cashloop.customers.choices import CustomerStatus
from cashloop.customers.models import Customer, HandOver, PoolSettings
from cashloop.customers.services import customer_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_pool_page_and_htmx_claim(client, company):
    pooled = CustomerFactory(owner=None, team=None, name="公海里的客户")
    client.force_login(company.rep_east)
    page = client.get("/customers/pool/")
    assert page.status_code == 200
    assert "公海里的客户" in page.content.decode()
    assert "pool-settings" not in page.content.decode()  # reps do not edit the rules
    row = client.post(f"/customers/{pooled.pk}/claim/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert 'data-testid="claimed"' in row.content.decode()
    pooled.refresh_from_db()
    assert pooled.owner == company.rep_east
    # Someone else's attempt shows the refusal in the row and changes nothing.
    client.force_login(company.rep_south)
    row = client.post(f"/customers/{pooled.pk}/claim/", HTTP_HX_REQUEST="true")
    assert 'data-testid="claim-error"' in row.content.decode()
    pooled.refresh_from_db()
    assert pooled.owner == company.rep_east


def test_release_from_the_customer_page(client, company):
    mine = CustomerFactory(owner=company.rep_east)
    client.force_login(company.rep_east)
    detail = client.get(f"/customers/{mine.pk}/").content.decode()
    assert 'data-testid="release-form"' in detail
    assert 'data-testid="merge-link"' not in detail  # only finance and admins merge
    response = client.post(f"/customers/{mine.pk}/release/", {"reason": ""})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner == company.rep_east
    response = client.post(f"/customers/{mine.pk}/release/", {"reason": "不再合作"})
    assert response.url == "/customers/pool/"
    mine.refresh_from_db()
    assert mine.owner is None


def test_pool_settings_page_is_for_admins(client, company):
    client.force_login(company.manager_east)
    assert client.get("/customers/pool/settings/").status_code == 403
    client.force_login(company.admin)
    assert client.get("/customers/pool/settings/").status_code == 200
    response = client.post(
        "/customers/pool/settings/",
        {
            "enabled": "on",
            "days_without_interaction": "45",
            "claim_limit": "30",
            "reclaim_cooldown_days": "7",
        },
    )
    assert response.status_code == 302
    rules = PoolSettings.current()
    assert (rules.enabled, rules.days_without_interaction, rules.claim_limit) == (True, 45, 30)
    assert rules.days_without_deal is None


def test_hand_over_page_previews_then_confirms(client, company):
    rep = company.rep_east
    a, b = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    client.force_login(company.manager_east)
    page = client.get(f"/customers/hand-over/?from_user={rep.pk}&customers={a.pk}")
    assert page.status_code == 200
    form = {
        "from_user": rep.pk,
        "to_user": company.rep_east_sub.pk,
        "everything": "0",
        "customers": [a.pk],
        "include_opportunities": "on",
        "reason": "调岗",
    }
    preview = client.post("/customers/hand-over/", form).content.decode()
    assert 'data-testid="hand-over-preview"' in preview
    assert "<strong>1</strong>" in preview
    assert not HandOver.objects.exists()
    response = client.post("/customers/hand-over/", {**form, "confirm": "1"})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.owner, b.owner) == (company.rep_east_sub, rep)
    assert "调岗" in client.get("/customers/hand-over/").content.decode()
    # Handing customers over to their own owner is refused on the page, with the code.
    refused = client.post(
        "/customers/hand-over/", {**form, "customers": [b.pk], "to_user": rep.pk, "confirm": "1"}
    )
    assert "customer.hand_over_same_user" in refused.content.decode()
    client.force_login(rep)
    assert client.get("/customers/hand-over/").status_code == 403


def test_merge_page_and_redirect(client, company):
    survivor = customer_create(
        actor=company.admin, code="HX1", name="苏州恒信精密机械有限公司", currency="CNY"
    )
    duplicate = customer_create(
        actor=company.admin,
        code="HX2",
        name="苏州恒信精密机械",
        currency="CNY",
        confirm_duplicate=True,
    )
    client.force_login(company.finance)
    page = client.get(f"/customers/{duplicate.pk}/merge/").content.decode()
    assert "苏州恒信精密机械有限公司" in page  # offered as the likely duplicate
    preview = client.get(f"/customers/{duplicate.pk}/merge/?survivor={survivor.pk}")
    assert 'data-testid="merge-preview"' in preview.content.decode()
    response = client.post(
        f"/customers/{duplicate.pk}/merge/",
        {"survivor": survivor.pk, "reason": "重复录入", "confirm": "1"},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == CustomerStatus.MERGED
    assert client.get(f"/customers/{duplicate.pk}/").url == f"/customers/{survivor.pk}/"
    assert str(duplicate.pk) not in [
        str(c.pk) for c in Customer.objects.exclude(status=CustomerStatus.MERGED)
    ]
    history = client.get(f"/customers/{survivor.pk}/").content.decode()
    assert "重复录入" in history or "merged" in history.lower()
    client.force_login(company.rep_east)
    assert client.get(f"/customers/{survivor.pk}/merge/").status_code == 403
