"""The one validator of custom values, used by forms, the API, the services and the import.

`custom_values_clean` takes what a caller sends (Python values from a form, JSON from the
API, text from a CSV cell) and returns the `custom` dict to store, or raises
`custom_field.invalid` naming the first bad field and why (every bad field is listed in
`details["fields"]`).  Stored values are JSON: text, integers, decimals as strings, money
as `{"amount": "12.30", "currency": "CNY"}`, dates as ISO strings, choice values, lists
of choice values, booleans, user ids.  `value_python` turns a stored value back into
Decimal, date, `Money` ... for forms and filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from cashloop.core.errors import DomainError
from cashloop.core.money import currency_check, quantize
from cashloop.customfields.choices import RANGE_KINDS, TEXT_KINDS, FieldKind
from cashloop.customfields.errors import CustomFieldError
from cashloop.customfields.models import CustomField

TEXT_MAX_LENGTH = 255
LONG_TEXT_MAX_LENGTH = 10_000
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "off"})


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class BadValue(ValueError):
    """One value refused; the message says why, for the user."""


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _integer(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise BadValue(_("Enter a whole number."))
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadValue(_("Enter a whole number.")) from None


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BadValue(_("Enter a number."))
    try:
        # A float from JSON goes through its shortest text form: 12.3 stays 12.3.
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise BadValue(_("Enter a number.")) from None
    if not result.is_finite():
        raise BadValue(_("Enter a number."))
    return result


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadValue(_("Enter a date as YYYY-MM-DD.")) from None


def _money(value: Any) -> Money:
    if isinstance(value, Money):
        return value
    if not isinstance(value, Mapping) or not value.get("currency"):
        raise BadValue(_("Enter an amount and a currency."))
    try:
        currency = currency_check(str(value["currency"]).upper())
    except DomainError:
        raise BadValue(_("Unknown currency.")) from None
    return Money(quantize(_decimal(value.get("amount")), currency), currency)


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadValue(_("Enter yes or no."))


def _bound(field: CustomField, text: str) -> Any:
    if field.kind == FieldKind.DATE:
        return _date(text)
    if field.kind == FieldKind.NUMBER:
        return _integer(text)
    return _decimal(text)


def _check_range(field: CustomField, value: Any) -> None:
    measured = value.amount if isinstance(value, Money) else value
    if field.min_value and measured < _bound(field, field.min_value):
        raise BadValue(_("Must be at least %(min)s.") % {"min": field.min_value})
    if field.max_value and measured > _bound(field, field.max_value):
        raise BadValue(_("Must be at most %(max)s.") % {"max": field.max_value})


def _user_id(value: Any) -> int:
    from cashloop.identity.models import User

    pk = getattr(value, "pk", value)
    try:
        pk = _integer(pk)
    except BadValue:
        raise BadValue(_("Choose an active user.")) from None
    if not User.objects.filter(pk=pk, is_active=True).exists():
        raise BadValue(_("Choose an active user."))
    return pk


def _choice_values(field: CustomField) -> list[str]:
    return [str(c["value"]) for c in field.choices]


def value_clean(field: CustomField, value: Any) -> Any:
    """One non-empty value in its stored (JSON) form, or `BadValue`."""
    kind = field.kind
    if kind in TEXT_KINDS:
        if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
            raise BadValue(_("Enter text."))
        text = str(value).strip()
        limit = TEXT_MAX_LENGTH if kind == FieldKind.TEXT else LONG_TEXT_MAX_LENGTH
        if len(text) > limit:
            raise BadValue(_("At most %(n)d characters.") % {"n": limit})
        if field.pattern and not re.fullmatch(field.pattern, text):
            raise BadValue(_("Does not match the expected format."))
        return text
    if kind == FieldKind.YES_NO:
        return _yes_no(value)
    if kind == FieldKind.USER:
        return _user_id(value)
    if kind == FieldKind.CHOICE:
        if str(value) not in _choice_values(field):
            raise BadValue(_("Unknown choice: %(value)s.") % {"value": value})
        return str(value)
    if kind == FieldKind.MULTI_CHOICE:
        items = [v.strip() for v in value.split(";")] if isinstance(value, str) else value
        if not isinstance(items, Iterable):
            raise BadValue(_("Choose from the list."))
        picked = {str(v) for v in items if str(v)}
        unknown = sorted(picked - set(_choice_values(field)))
        if unknown:
            raise BadValue(_("Unknown choice: %(value)s.") % {"value": ", ".join(unknown)})
        return [v for v in _choice_values(field) if v in picked]
    parsed: Any
    if kind == FieldKind.NUMBER:
        parsed = _integer(value)
    elif kind == FieldKind.DECIMAL:
        parsed = _decimal(value)
    elif kind == FieldKind.DATE:
        parsed = _date(value)
    else:
        parsed = _money(value)
    if kind in RANGE_KINDS:
        _check_range(field, parsed)
    return stored_form(parsed)


def stored_form(value: Any) -> Any:
    """The JSON form of a parsed value."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def value_python(field: CustomField, stored: Any) -> Any:
    """A stored value as Python: Decimal, date, Money; others as stored."""
    if stored is None:
        return None
    if field.kind == FieldKind.DECIMAL:
        return Decimal(str(stored))
    if field.kind == FieldKind.DATE:
        return date.fromisoformat(stored)
    if field.kind == FieldKind.MONEY:
        return Money(Decimal(stored["amount"]), stored["currency"])
    return stored


def custom_values_clean(
    fields: Iterable[CustomField],
    values: Mapping[str, Any],
    *,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `custom` dict to store after applying `values` to `current` (None: a new record).

    On a new record, required fields must have a value (their default fills them when
    they are left out); on a change, only the fields named in `values` are checked, so a
    field added as required later does not block unrelated edits.  Retired fields keep
    their stored value and refuse a new one.
    """
    by_key = {f.key: f for f in fields}
    creating = current is None
    result = dict(current or {})
    errors: dict[str, str] = {}
    for key, value in values.items():
        field = by_key.get(key)
        if field is None:
            errors[key] = _("Unknown field.")
            continue
        if field.is_retired:
            if value != result.get(key):
                errors[key] = _("This field is retired; its value cannot change.")
            continue
        if _is_empty(value):
            if field.required:
                errors[key] = _("This field is required.")
            result.pop(key, None)
            continue
        try:
            result[key] = value_clean(field, value)
        except BadValue as exc:
            errors[key] = str(exc)
    if creating:
        for field in by_key.values():
            if field.is_retired or field.key in values:
                continue
            if field.default is not None:
                result[field.key] = field.default
            elif field.required:
                errors[field.key] = _("This field is required.")
    if errors:
        key, reason = next(iter(errors.items()))
        raise DomainError(
            CustomFieldError.INVALID,
            key=key,
            reason=reason,
            details={"key": key, "reason": reason, "fields": errors},
        )
    return result


def pattern_check(pattern: str) -> None:
    """Refuse a pattern that is not a regular expression."""
    try:
        re.compile(pattern)
    except re.error:
        raise DomainError(CustomFieldError.BAD_PATTERN, details={"field": "pattern"}) from None
