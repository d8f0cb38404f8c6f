"""Helpers shared by every page form: domain errors shown in the form, not as a crash."""

from __future__ import annotations

from django import forms

from cashloop.core.errors import DomainError


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal into the form: on its fields when it names them."""
    details = error.details or {}
    placed = False
    for field, messages in details.items():
        if field in form.fields and isinstance(messages, list):
            for message in messages:
                form.add_error(field, str(message))
            placed = True
    field = details.get("field")
    if not placed and isinstance(field, str) and field in form.fields:
        form.add_error(field, error.message)
        placed = True
    if not placed:
        form.add_error(None, f"{error.message} ({error.code.code})")
