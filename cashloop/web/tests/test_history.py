"""A record's history in people's words: labels of choices, local times, amounts with cents."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from cashloop.contracts.models import Contract
from cashloop.core.audit import _type_of
from cashloop.core.models import AuditEntry
from cashloop.web.templatetags.cashloop_tags import audit_value


def entry_for(model) -> AuditEntry:
    kind = _type_of(model())
    return AuditEntry(object_type=kind, subject_type=kind, object_id="1", subject_id="1")


def test_recorded_values_read_as_people_say_them(db, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    entry = entry_for(Contract)
    with translation.override("en"):
        assert audit_value(entry, "status", "active") == "Active"
        assert audit_value(entry, "status", "retired") == "retired"  # a code no longer known
    assert audit_value(entry, "total", "9459.6000") == "9459.60"
    assert audit_value(entry, "rate", "7.12500000") == "7.125"
    assert audit_value(entry, "rate", str(Decimal("1.00000000"))) == "1.00"
    assert audit_value(entry, "activated_at", "2026-11-23T17:03:00+00:00") == "2026-11-24 01:03"
    assert audit_value(entry, "title", "") == "∅"
    assert audit_value(entry, "gone_field", "x") == "x"
