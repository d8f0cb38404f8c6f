"""The one validator: each kind's good and bad values, required, defaults, retired fields."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from cashloop.core.errors import DomainError
from cashloop.customfields.errors import CustomFieldError
from cashloop.customfields.models import CustomField
from cashloop.customfields.validation import custom_values_clean, value_python


def field(kind: str, **kw) -> CustomField:  # type: ignore[no-untyped-def]
    return CustomField(
        object_type="customers.customer", key=kw.pop("key", "f"), label="F", kind=kind, **kw
    )


def refused(fields, values, current=None) -> dict:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as exc:
        custom_values_clean(fields, values, current=current)
    assert exc.value.code is CustomFieldError.INVALID
    return exc.value.details


def test_each_kind_stores_its_json_form(company):
    fields = [
        field("text", key="t"),
        field("long_text", key="lt"),
        field("number", key="n"),
        field("decimal", key="d"),
        field("money", key="m"),
        field("date", key="dt"),
        field("choice", key="c", choices=[{"value": "a", "label": "A"}]),
        field(
            "multi_choice",
            key="mc",
            choices=[{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        ),
        field("yes_no", key="yn"),
        field("user", key="u"),
    ]
    stored = custom_values_clean(
        fields,
        {
            "t": " hi ",
            "lt": "long",
            "n": "42",
            "d": 12.3,
            "m": {"amount": "12.3", "currency": "cny"},
            "dt": "2026-11-23",
            "c": "a",
            "mc": ["b", "a"],
            "yn": "是",
            "u": company.rep_east.pk,
        },
    )
    assert stored == {
        "t": "hi",
        "lt": "long",
        "n": 42,
        "d": "12.3",
        "m": {"amount": "12.30", "currency": "CNY"},
        "dt": "2026-11-23",
        "c": "a",
        "mc": ["a", "b"],
        "yn": True,
        "u": company.rep_east.pk,
    }
    assert value_python(fields[5], stored["dt"]) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("kind", "extra", "value"),
    [
        ("number", {}, "abc"),
        ("number", {}, 1.5),
        ("number", {}, True),
        ("decimal", {}, "12,3x"),
        ("date", {}, "2026-13-01"),
        ("money", {}, {"amount": "1", "currency": "QQQ"}),
        ("money", {}, "12"),
        ("choice", {"choices": [{"value": "a", "label": "A"}]}, "z"),
        ("multi_choice", {"choices": [{"value": "a", "label": "A"}]}, ["a", "z"]),
        ("yes_no", {}, "maybe"),
        ("number", {"min_value": "1"}, 0),
        ("number", {"max_value": "10"}, 11),
        ("decimal", {"max_value": "1.5"}, "1.51"),
        ("money", {"min_value": "100"}, {"amount": "99.99", "currency": "CNY"}),
        ("date", {"min_value": "2026-01-01"}, "2025-12-31"),
        ("text", {"pattern": r"[A-Z]{3}-\d+"}, "abc-1"),
        ("text", {}, {"x": 1}),
    ],
)
def test_bad_values_are_refused_with_the_key_and_a_reason(kind, extra, value):
    details = refused([field(kind, **extra)], {"f": value})
    assert details["key"] == "f"
    assert details["reason"]


def test_user_must_be_an_active_known_user(company):
    company.viewer.is_active = False
    company.viewer.save()
    assert refused([field("user")], {"f": company.viewer.pk})["key"] == "f"
    assert refused([field("user")], {"f": 999_999})["key"] == "f"


def test_required_on_create_and_when_named_on_update(db):
    required = field("text", required=True)
    assert refused([required], {})["key"] == "f"
    # On update a required field not in the payload is left alone ...
    assert custom_values_clean([required], {}, current={}) == {}
    # ... but emptied explicitly it is refused.
    assert refused([required], {"f": ""}, current={"f": "x"})["key"] == "f"


def test_default_fills_a_field_left_out_on_create(db):
    assert custom_values_clean([field("number", default=7)], {}) == {"f": 7}


def test_unknown_key_is_refused(db):
    assert refused([field("text")], {"nope": "x"})["key"] == "nope"


def test_retired_field_keeps_its_value_and_refuses_a_new_one(db):
    retired = field("text", retired_at=timezone.now())
    assert custom_values_clean([retired], {}, current={"f": "old"}) == {"f": "old"}
    assert custom_values_clean([retired], {"f": "old"}, current={"f": "old"}) == {"f": "old"}
    assert refused([retired], {"f": "new"}, current={"f": "old"})["key"] == "f"


def test_every_bad_field_is_listed(db):
    details = refused([field("number", key="a"), field("date", key="b")], {"a": "x", "b": "y"})
    assert set(details["fields"]) == {"a", "b"}
