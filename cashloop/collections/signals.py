"""Receivers of collections: a dispute's held credit note, once approval decides it, settles
the dispute (decision 051).  Receivables knows nothing of disputes; this keeps it so."""

from __future__ import annotations

from typing import Any

from cashloop.receivables.models import HeldPosting


def held_posting_saved(sender: type, instance: HeldPosting, **kwargs: Any) -> None:
    from cashloop.collections.services import dispute_hold_decided

    dispute_hold_decided(instance)
