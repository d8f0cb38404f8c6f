"""A flow's conditions: checked against a document type's fields, then evaluated on values.

A condition is a tree: `{"all": [...]}` or `{"any": [...]}` over leaves
`{"field": name, "op": op, "value": v}`; an empty condition matches every document.
Values are compared in their field's kind (money and decimals as `Decimal`, dates as ISO
dates), so `"10000"` and `10000` mean the same and nothing goes through `float`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from cashloop.approvals.errors import ApprovalError
from cashloop.approvals.registry import OPS_BY_KIND, DocumentType, FieldSpec
from cashloop.core.errors import DomainError

GROUPS = ("all", "any")


def conditions_clean(doc_type: DocumentType, tree: Any) -> dict:
    """The condition tree in canonical form, or a refusal naming what is wrong."""
    if tree in (None, {}):
        return {}
    return _clean(doc_type, tree)


def _clean(doc_type: DocumentType, node: Any) -> dict:
    if not isinstance(node, dict):
        raise DomainError(ApprovalError.BAD_CONDITION, why="not an object")
    groups = [g for g in GROUPS if g in node]
    if groups:
        if len(node) != 1 or not isinstance(node[groups[0]], list):
            raise DomainError(ApprovalError.BAD_CONDITION, why="a group is all/any and a list")
        return {groups[0]: [_clean(doc_type, child) for child in node[groups[0]]]}
    name, op = node.get("field"), node.get("op")
    if not isinstance(name, str) or name not in doc_type.fields:
        raise DomainError(ApprovalError.UNKNOWN_FIELD, field=name, details={"field": name})
    spec = doc_type.fields[name]
    if op not in OPS_BY_KIND[spec.kind]:
        raise DomainError(ApprovalError.BAD_OPERATOR, op=op, field=name, details={"field": name})
    value = node.get("value")
    if op == "in":
        if not isinstance(value, list) or not value:
            raise DomainError(ApprovalError.BAD_CONDITION, why=f"{name}: in needs a list")
        cleaned: Any = [_plain(spec, name, item) for item in value]
    elif spec.kind == "tags":
        cleaned = _text(name, value)
    else:
        cleaned = _plain(spec, name, value)
    return {"field": name, "op": op, "value": cleaned}


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str | int) or str(value).strip() == "":
        raise DomainError(ApprovalError.BAD_CONDITION, why=f"{name}: a value is needed")
    return str(value).strip()


def _plain(spec: FieldSpec, name: str, value: Any) -> Any:
    """The JSON form a value is stored in: numbers and dates as strings, kept exact."""
    try:
        if spec.kind in ("money", "decimal"):
            return str(Decimal(str(value)))
        if spec.kind == "number":
            return int(str(value))
        if spec.kind == "date":
            return date.fromisoformat(str(value)).isoformat()
        if spec.kind == "bool":
            if isinstance(value, bool):
                return value
            return {"true": True, "false": False, "1": True, "0": False}[str(value).lower()]
    except (InvalidOperation, ValueError, KeyError, TypeError):
        raise DomainError(
            ApprovalError.BAD_CONDITION, why=f"{name}: {value!r} is not a {spec.kind}"
        ) from None
    text = _text(name, value)
    if spec.choices and text not in {key for key, _label in spec.choices}:
        raise DomainError(ApprovalError.BAD_CONDITION, why=f"{name}: {text!r} is not a choice")
    return text


def conditions_match(doc_type: DocumentType, tree: dict, values: dict[str, Any]) -> bool:
    """Whether a (cleaned) condition tree holds for a document's values."""
    if not tree:
        return True
    if "all" in tree:
        return all(conditions_match(doc_type, child, values) for child in tree["all"])
    if "any" in tree:
        return any(conditions_match(doc_type, child, values) for child in tree["any"])
    spec = doc_type.fields[tree["field"]]
    actual = _typed(spec, values.get(tree["field"]))
    if actual is None:
        return tree["op"] == "ne"
    op, expected = tree["op"], tree["value"]
    if op == "in":
        return actual in [_typed(spec, item) for item in expected]
    if op == "contains":
        if spec.kind == "tags":
            return expected.casefold() in {str(tag).casefold() for tag in actual}
        return expected.casefold() in str(actual).casefold()
    want = _typed(spec, expected)
    return {
        "eq": lambda: actual == want,
        "ne": lambda: actual != want,
        "gt": lambda: actual > want,
        "gte": lambda: actual >= want,
        "lt": lambda: actual < want,
        "lte": lambda: actual <= want,
    }[op]()


def _typed(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind in ("money", "decimal"):
        return Decimal(str(value))
    if spec.kind == "number":
        return int(value)
    if spec.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if spec.kind == "tags":
        return list(value)
    if spec.kind == "bool":
        return bool(value)
    return str(value)


def values_plain(values: dict[str, Any]) -> dict[str, Any]:
    """A document's values as JSON (the snapshot a request keeps), decimals exact."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal | date):
            out[key] = str(value) if isinstance(value, Decimal) else value.isoformat()
        elif isinstance(value, set | tuple):
            out[key] = sorted(str(v) for v in value)
        else:
            out[key] = value
    return out


OP_SIGNS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def conditions_text(doc_type: DocumentType | None, tree: dict) -> str:
    """A condition tree for people: `Amount > 10000 and (Tags contains VIP or …)`."""
    if not tree:
        return ""
    group = "all" if "all" in tree else "any" if "any" in tree else ""
    if group:
        joiner = f" {_('and') if group == 'all' else _('or')} "
        parts = [
            f"({conditions_text(doc_type, child)})"
            if "field" not in child
            else conditions_text(doc_type, child)
            for child in tree[group]
        ]
        return joiner.join(parts)
    spec = doc_type.fields.get(tree["field"]) if doc_type else None
    label = spec.label if spec else tree["field"]
    value = tree["value"]
    shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    op = OP_SIGNS.get(tree["op"]) or {"in": _("is one of"), "contains": _("contains")}[tree["op"]]
    return f"{label} {op} {shown}"
