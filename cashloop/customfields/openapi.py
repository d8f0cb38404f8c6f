"""The custom fields in the OpenAPI schema: each type's `custom` object lists its fields.

Fields change at runtime, so the schema is completed on every request for it
(`cashloop.api` calls `openapi_with_custom_fields` from its `get_openapi_schema`).
"""

from __future__ import annotations

from typing import Any

from cashloop.customfields.choices import FieldKind, ObjectType
from cashloop.customfields.models import CustomField
from cashloop.customfields.selectors import fields_for

# The API schemas that carry a `custom` object, by object type.
SCHEMAS: dict[str, tuple[str, ...]] = {
    ObjectType.CUSTOMER: ("CustomerIn", "CustomerPatch", "CustomerOut"),
    ObjectType.CONTACT: ("ContactIn", "ContactPatch", "ContactOut"),
    ObjectType.LEAD: ("LeadIn", "LeadPatch", "LeadOut"),
    ObjectType.OPPORTUNITY: ("OpportunityIn", "OpportunityPatch", "OpportunityOut"),
    ObjectType.INVOICE: ("InvoiceIn", "InvoicePatch", "InvoiceOut", "InvoiceDetailOut"),
}


def json_schema(field: CustomField) -> dict[str, Any]:
    """The JSON schema of one field's value as the API sends and takes it."""
    kind = field.kind
    schema: dict[str, Any]
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
        schema = {"type": "string"}
        if field.pattern:
            schema["pattern"] = field.pattern
    elif kind == FieldKind.NUMBER:
        schema = {"type": "integer"}
    elif kind == FieldKind.DECIMAL:
        schema = {"type": "string", "format": "decimal"}
    elif kind == FieldKind.MONEY:
        schema = {
            "type": "object",
            "properties": {
                "amount": {"type": "string", "format": "decimal"},
                "currency": {"type": "string", "minLength": 3, "maxLength": 3},
            },
            "required": ["amount", "currency"],
        }
    elif kind == FieldKind.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == FieldKind.CHOICE:
        schema = {"type": "string", "enum": [c["value"] for c in field.choices]}
    elif kind == FieldKind.MULTI_CHOICE:
        schema = {
            "type": "array",
            "items": {"type": "string", "enum": [c["value"] for c in field.choices]},
        }
    elif kind == FieldKind.YES_NO:
        schema = {"type": "boolean"}
    else:
        schema = {"type": "integer", "description": "user id"}
    schema["title"] = field.label_en or field.label
    if field.help_text:
        schema["description"] = field.help_text
    if field.min_value and kind in (FieldKind.NUMBER,):
        schema["minimum"] = int(field.min_value)
    if field.max_value and kind in (FieldKind.NUMBER,):
        schema["maximum"] = int(field.max_value)
    if field.is_retired:
        schema["readOnly"] = True
        schema["deprecated"] = True
    return schema


def custom_object_schema(object_type: str) -> dict[str, Any]:
    fields = fields_for(object_type, include_retired=True)
    return {
        "type": "object",
        "title": "Custom",
        "description": "Custom fields (see /api/v1/custom-fields); retired ones are read-only.",
        "properties": {f.key: json_schema(f) for f in fields},
        "additionalProperties": False,
    }


def openapi_with_custom_fields(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.get("components", {}).get("schemas", {})
    for object_type, names in SCHEMAS.items():
        custom = custom_object_schema(object_type)
        for name in names:
            properties = components.get(name, {}).get("properties", {})
            if "custom" in properties:
                properties["custom"] = custom
    return schema
