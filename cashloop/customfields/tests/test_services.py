"""Defining fields: keys, definitions, retire/reinstate, order, layouts, list columns."""

from __future__ import annotations

import pytest

from cashloop.core.errors import CoreError, DomainError
from cashloop.core.models import AuditEntry
from cashloop.customers import services as customer_services
from cashloop.customfields import selectors, services
from cashloop.customfields.errors import CustomFieldError
from cashloop.customfields.models import CustomField, FieldLayout
from cashloop.identity.models import Role

CUSTOMER = "customers.customer"


def create(actor, **kw):  # type: ignore[no-untyped-def]
    data = {"object_type": CUSTOMER, "key": "region", "label": "区域", "kind": "text"} | kw
    return services.custom_field_create(actor=actor, **data)


def refused(code, call, *args, **kw):  # type: ignore[no-untyped-def]
    count = CustomField.objects.count()
    with pytest.raises(DomainError) as exc:
        call(*args, **kw)
    assert exc.value.code is code
    assert CustomField.objects.count() == count
    return exc.value


def test_fields_for_lists_active_fields_in_section_order(company):
    b = create(company.admin, key="b", section="A", order=2)
    a = create(company.admin, key="a", section="A", order=1)
    c = create(company.admin, key="c")
    services.custom_field_retire(actor=company.admin, field_id=c.pk)
    assert [f.key for f in selectors.fields_for(CUSTOMER)] == [a.key, b.key]
    assert [f.key for f in selectors.fields_for(CUSTOMER, include_retired=True)] == ["c", "a", "b"]
    assert AuditEntry.objects.filter(object_id=str(c.pk)).count() == 2


def test_key_clashing_with_a_model_field_or_an_existing_key_is_refused(company):
    create(company.admin)
    refused(CustomFieldError.KEY_TAKEN, create, company.admin)
    for key in ("name", "owner", "owner_id", "custom", "tags"):
        refused(CustomFieldError.KEY_TAKEN, create, company.admin, key=key)
    refused(CustomFieldError.KEY_INVALID, create, company.admin, key="Bad Key")
    # The same key on another type is fine.
    create(company.admin, key="priority", object_type="sales.lead")
    create(company.admin, key="priority", object_type="receivables.invoice")


def test_invalid_regex_and_bad_definitions_are_refused(company):
    refused(CustomFieldError.BAD_PATTERN, create, company.admin, pattern="[a-")
    refused(CustomFieldError.BAD_DEFINITION, create, company.admin, kind="choice")
    refused(CustomFieldError.BAD_DEFINITION, create, company.admin, kind="number", min_value="x")
    refused(
        CustomFieldError.BAD_DEFINITION,
        create,
        company.admin,
        kind="number",
        min_value="5",
        max_value="1",
    )
    refused(CustomFieldError.BAD_DEFINITION, create, company.admin, kind="number", default="abc")
    refused(CustomFieldError.BAD_DEFINITION, create, company.admin, kind="text", min_value="1")


def test_key_and_kind_never_change(company):
    field = create(company.admin)
    with pytest.raises(DomainError) as exc:
        services.custom_field_update(actor=company.admin, field_id=field.pk, changes={"key": "x"})
    assert exc.value.code is CustomFieldError.KEY_IMMUTABLE
    with pytest.raises(DomainError) as exc:
        services.custom_field_update(
            actor=company.admin, field_id=field.pk, changes={"kind": "date"}
        )
    assert exc.value.code is CustomFieldError.KIND_IMMUTABLE
    services.custom_field_update(actor=company.admin, field_id=field.pk, changes={"label": "地区"})
    field.refresh_from_db()
    assert (field.key, field.kind, field.label) == ("region", "text", "地区")


def test_retiring_twice_and_reinstating_an_active_field_are_refused(company):
    field = create(company.admin)
    services.custom_field_retire(actor=company.admin, field_id=field.pk)
    refused(
        CustomFieldError.ALREADY_RETIRED,
        services.custom_field_retire,
        actor=company.admin,
        field_id=field.pk,
    )
    services.custom_field_reinstate(actor=company.admin, field_id=field.pk)
    refused(
        CustomFieldError.NOT_RETIRED,
        services.custom_field_reinstate,
        actor=company.admin,
        field_id=field.pk,
    )


def test_only_admins_define_fields(company):
    refused(CoreError.PERMISSION_DENIED, create, company.manager_east)


def test_retired_values_stay_and_cannot_be_edited(company, customers):
    field = create(company.admin)
    customer = customers["rep_east"]
    customer_services.customer_update(
        actor=company.rep_east, customer_id=customer.pk, changes={"custom": {"region": "华东"}}
    )
    services.custom_field_retire(actor=company.admin, field_id=field.pk)
    customer.refresh_from_db()
    assert customer.custom == {"region": "华东"}
    with pytest.raises(DomainError) as exc:
        customer_services.customer_update(
            actor=company.rep_east, customer_id=customer.pk, changes={"custom": {"region": "华南"}}
        )
    assert exc.value.code is CustomFieldError.INVALID
    assert exc.value.details["key"] == "region"
    customer.refresh_from_db()
    assert customer.custom == {"region": "华东"}


def test_move_swaps_neighbours(company):
    a, b = create(company.admin, key="a"), create(company.admin, key="b")
    services.custom_field_move(actor=company.admin, field_id=b.pk, offset=-1)
    assert [f.key for f in selectors.fields_for(CUSTOMER)] == ["b", "a"]
    assert a.pk


def test_layout_per_role_chooses_fields_and_order(company):
    create(company.admin, key="a"), create(company.admin, key="b"), create(company.admin, key="c")
    rep = Role.objects.get(code="sales_rep")
    services.field_layout_set(
        actor=company.admin, object_type=CUSTOMER, role_id=rep.pk, keys=["c", "a"]
    )
    services.field_layout_set(actor=company.admin, object_type=CUSTOMER, role_id=None, keys=["b"])

    def keys(user):  # type: ignore[no-untyped-def]
        return [s.field.key for s in selectors.fields_shown(user=user, object_type=CUSTOMER)]

    assert keys(company.rep_east) == ["c", "a"]
    assert keys(company.manager_east) == ["b"]
    with pytest.raises(DomainError) as exc:
        services.field_layout_set(
            actor=company.admin, object_type=CUSTOMER, role_id=None, keys=["zzz"]
        )
    assert exc.value.code is CustomFieldError.LAYOUT_UNKNOWN_KEY
    services.field_layout_set(actor=company.admin, object_type=CUSTOMER, role_id=rep.pk, keys=[])
    assert not FieldLayout.objects.filter(role=rep).exists()
    assert keys(company.rep_east) == ["b"]


def test_list_columns_keep_only_visible_fields(company):
    create(company.admin, key="a")
    chosen = services.list_columns_set(
        actor=company.rep_east, object_type=CUSTOMER, keys=["a", "zzz", "a"]
    )
    assert chosen == ["a"]
    assert [
        c.field.key for c in selectors.list_columns(user=company.rep_east, object_type=CUSTOMER)
    ] == ["a"]


def test_hidden_and_masked_fields_follow_field_rules(company, customers):
    create(company.admin, key="bank", kind="text")
    create(company.admin, key="secret", kind="text")
    customer = customers["rep_east"]
    customer_services.customer_update(
        actor=company.admin,
        customer_id=customer.pk,
        changes={"custom": {"bank": "6222021234567890", "secret": "x"}},
    )
    rep = Role.objects.get(code="sales_rep")
    rep.field_rules = {CUSTOMER: {"bank": "mask", "secret": "hide"}}
    rep.save()
    customer.refresh_from_db()
    user = type(company.rep_east).objects.get(pk=company.rep_east.pk)
    values = selectors.api_values(user=user, object_type=CUSTOMER, custom=customer.custom)
    assert values == {"bank": "****7890"}
    # Nor may the rep change what they cannot see whole.
    with pytest.raises(DomainError) as exc:
        customer_services.customer_update(
            actor=user, customer_id=customer.pk, changes={"custom": {"bank": "1"}}
        )
    assert exc.value.details["key"] == "bank"
