"""The audit trail: every create, update and delete of a business record, with before/after.

Services call `audit_snapshot()` before they change a record and `audit_record()` after,
inside the same transaction, so a rolled-back change leaves no audit row and a committed
change always has one.  Models may list `audit_exclude` (field names never recorded,
such as password hashes), `audit_m2m` (many-to-many fields recorded as sorted names) and
`audit_subject` (the parent record whose history also shows the row, e.g. a contact's
customer).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import Cast, JSONArray, JSONObject, Left

from cashloop.core.bulkload import insert_many
from cashloop.core.models import AuditAction, AuditEntry
from cashloop.core.sql import insert_select

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value that keeps decimals and dates exact."""
    if isinstance(value, Decimal | datetime.date | datetime.time | uuid.UUID):
        return str(value) if not isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_snapshot(instance: models.Model) -> Snapshot:
    """The recordable values of `instance` now (foreign keys by id, m2m as sorted names)."""
    exclude = set(getattr(instance, "audit_exclude", ()))
    snapshot: Snapshot = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude or field.name in ("created_at", "updated_at"):
            continue
        value = field.value_from_object(instance)
        if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
            # As stored: a typed 1 and a read 1.00000000 are the same rate, not a change.
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        if field.is_relation and value is not None:
            # People read the history: "王伟 #3" says more than 3, and keeps the id.
            value = f"{getattr(instance, field.name)} #{value}"
        snapshot[field.name] = _plain(value)
    if instance.pk is not None:
        for name in getattr(instance, "audit_m2m", ()):
            snapshot[name] = sorted(str(obj) for obj in getattr(instance, name).all())
    return snapshot


def audit_record(
    *,
    actor: Any,
    instance: models.Model,
    action: AuditAction,
    before: Snapshot | None = None,
    reason: str = "",
) -> AuditEntry | None:
    """Write one audit row; for updates only the fields that changed, and none if none did."""
    row = _audit_row(actor=actor, instance=instance, action=action, before=before, reason=reason)
    if row is not None:
        row.save()
    return row


def audit_record_many(
    *,
    actor: Any,
    instances: Sequence[models.Model],
    action: AuditAction,
    befores: Sequence[Snapshot] | None = None,
    reason: str = "",
) -> None:
    """`audit_record` for a batch of records changed alike, in one insert."""
    olds: Sequence[Snapshot | None] = befores if befores is not None else [None] * len(instances)
    rows = [
        _audit_row(actor=actor, instance=instance, action=action, before=before, reason=reason)
        for instance, before in zip(instances, olds, strict=True)
    ]
    insert_many([row for row in rows if row is not None])


def _audit_row(
    *,
    actor: Any,
    instance: models.Model,
    action: AuditAction,
    before: Snapshot | None,
    reason: str = "",
) -> AuditEntry | None:
    after = audit_snapshot(instance) if action != AuditAction.DELETE else {}
    old = before or {}
    keys = sorted(set(old) | set(after))
    changes = {
        key: [old.get(key), after.get(key)] for key in keys if old.get(key) != after.get(key)
    }
    if action == AuditAction.UPDATE and not changes:
        return None
    subject = getattr(instance, "audit_subject", None) or instance
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=_type_of(instance),
        object_id=str(instance.pk),
        subject_type=_type_of(subject),
        subject_id=str(subject.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        reason=reason[:500],
    )


def _type_of(instance: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(instance, for_concrete_model=True)


def audit_history(*, instance: models.Model) -> models.QuerySet[AuditEntry]:
    """Audit rows of a record and of the records it is the subject of, newest first.

    Callers check first that the user may see `instance`.  When they read it through
    `restrict()`, the rows obey the same user's field rules (decision 034).
    """
    rows = (
        AuditEntry.objects.filter(subject_type=_type_of(instance), subject_id=str(instance.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
    user = instance.__dict__.get("_field_rule_user")
    if user is None:
        return rows
    from cashloop.core.fieldrules import audit_rows_for

    return audit_rows_for(user, rows)


def audit_created_rows(
    *,
    actor: Any,
    rows: models.QuerySet[Any],
    fields: Sequence[str],
    represent: Any,
    subject: tuple[type[models.Model], str] | None = None,
    at: datetime.datetime,
) -> int:
    """`audit_record(action=CREATE)` for every record of `rows`, written by the database in
    one `INSERT … SELECT` (for set-based writes that never hold the records in Python).

    The changes list `fields` as text (`[null, "value"]`, foreign keys by id); `represent`
    is the expression of each row's `object_repr`; `subject` the model and field of the
    record whose history shows the row (default: the record itself)."""
    model = rows.model
    subject_model, subject_field = subject if subject is not None else (model, "pk")
    text = CharField()
    changes = JSONObject(
        **{name: JSONArray(Value(None, text), Cast(F(name), text)) for name in fields}
    )
    values = rows.order_by().annotate(
        audit_actor=Value(getattr(actor, "pk", None), IntegerField()),
        audit_at=Value(at),
        audit_action=Value(AuditAction.CREATE.value),
        audit_type=Value(ContentType.objects.get_for_model(model).pk),
        audit_id=Cast("pk", text),
        audit_repr=Left(represent, 200),
        audit_subject_type=Value(ContentType.objects.get_for_model(subject_model).pk),
        audit_subject_id=Cast(subject_field, text),
        audit_changes=changes,
        audit_reason=Value(""),
    )
    columns = {
        "actor": "audit_actor",
        "at": "audit_at",
        "action": "audit_action",
        "object_type": "audit_type",
        "object_id": "audit_id",
        "object_repr": "audit_repr",
        "subject_type": "audit_subject_type",
        "subject_id": "audit_subject_id",
        "changes": "audit_changes",
        "reason": "audit_reason",
    }
    return insert_select(AuditEntry, list(columns), values.values(*columns.values()))
