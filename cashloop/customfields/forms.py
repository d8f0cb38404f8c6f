"""Page forms of custom fields: the fields an object's form gains, and the settings forms.

`CustomFieldsFormMixin` adds one form field per custom field the user sees in the layout
(named `cf_<key>`), fills them from `instance.custom`, and checks them with the one
validator, so a page refuses exactly what the API and the import refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import DomainError
from cashloop.customfields.choices import FieldKind, ObjectType
from cashloop.customfields.models import CustomField
from cashloop.customfields.selectors import fields_shown
from cashloop.customfields.validation import (
    LONG_TEXT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Money,
    custom_values_clean,
    value_python,
)
from cashloop.identity.models import Role, User

PREFIX = "cf_"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyWidget(forms.MultiWidget):
    def __init__(self) -> None:
        super().__init__(
            [
                forms.TextInput(attrs={"inputmode": "decimal", "class": "amount"}),
                forms.TextInput(attrs={"size": 3, "maxlength": 3, "class": "currency"}),
            ]
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, Money):
            return [value.amount, value.currency]
        return [None, "CNY"]


class MoneyFormField(forms.MultiValueField):
    widget = MoneyWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields=[forms.DecimalField(), forms.CharField(max_length=3)],
            require_all_fields=False,
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        # The currency box comes filled (CNY): without an amount there is no value, not
        # an incomplete one.
        if isinstance(value, list | tuple) and value and value[0] in (None, ""):
            value = ["", ""]
        return super().clean(value)

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        if not data_list or data_list[0] in (None, ""):
            return None
        return {"amount": data_list[0], "currency": (data_list[1] or "").upper()}


def _form_field(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {
        "label": field.display_label,
        "required": field.required,
        "help_text": field.help_text,
    }
    kind = field.kind
    if kind == FieldKind.TEXT:
        return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)
    if kind == FieldKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if kind == FieldKind.NUMBER:
        return forms.IntegerField(**common)
    if kind == FieldKind.DECIMAL:
        return forms.DecimalField(**common)
    if kind == FieldKind.MONEY:
        return MoneyFormField(**common)
    if kind == FieldKind.DATE:
        return forms.DateField(widget=DATE_WIDGET, **common)
    if kind == FieldKind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *[(c["value"], c["label"]) for c in field.choices]], **common
        )
    if kind == FieldKind.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c["value"], c["label"]) for c in field.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == FieldKind.YES_NO:
        return forms.TypedChoiceField(
            choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))],
            coerce=lambda v: v == "true",
            empty_value=None,
            **common,
        )
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), **common
    )


def _initial(field: CustomField, stored: Any) -> Any:
    value = value_python(field, stored)
    if field.kind == FieldKind.YES_NO and value is not None:
        return "true" if value else "false"
    return value


class CustomFieldsFormMixin:
    """Give an object's form its custom fields; `custom_object_type` names the type.

    The view passes `custom_user` (whose layout and field rules decide which fields show);
    `custom_data()` is what the service's `custom` argument takes.
    """

    custom_object_type: str = ""

    def __init__(self, *args: Any, custom_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.custom_fields: list[CustomField] = []
        if custom_user is None:
            return
        object_type = self.custom_object_type
        shown = {
            s.field.key: s.field
            for s in fields_shown(user=custom_user, object_type=object_type)
            if not s.masked
        }
        # A required field shows even when a layout leaves it out: the record needs it.
        for s in fields_shown(user=custom_user, object_type=object_type, layout=False):
            if s.field.required and not s.masked:
                shown.setdefault(s.field.key, s.field)
        instance = getattr(self, "instance", None)
        stored = getattr(instance, "custom", None) or {}
        creating = instance is None or instance.pk is None
        for field in shown.values():
            name = PREFIX + field.key
            self.fields[name] = _form_field(field)  # type: ignore[attr-defined]
            if field.key in stored:
                self.initial[name] = _initial(field, stored[field.key])  # type: ignore[attr-defined]
            elif creating and field.default is not None:
                self.initial[name] = _initial(field, field.default)  # type: ignore[attr-defined]
            self.custom_fields.append(field)

    def custom_data(self, *, changed_only: bool = False) -> dict[str, Any]:
        cleaned = self.cleaned_data  # type: ignore[attr-defined]
        changed = self.changed_data  # type: ignore[attr-defined]
        return {
            f.key: cleaned.get(PREFIX + f.key)
            for f in self.custom_fields
            if not changed_only or PREFIX + f.key in changed
        }

    def strip_custom(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` without the `cf_` entries (the model fields a service takes)."""
        return {k: v for k, v in data.items() if not k.startswith(PREFIX)}

    def clean(self) -> Any:
        cleaned = super().clean()  # type: ignore[misc]
        # The one validator checks what the form fields let through (bounds, patterns ...).
        errors = self.errors  # type: ignore[attr-defined]
        fields = [f for f in self.custom_fields if PREFIX + f.key not in errors]
        if fields:
            data = self.custom_data()
            values = service_custom({f.key: data[f.key] for f in fields})
            instance = getattr(self, "instance", None)
            current = instance.custom if instance is not None and instance.pk else None
            try:
                custom_values_clean(fields, values, current=current)
            except DomainError as exc:
                for key, reason in exc.details.get("fields", {}).items():
                    self.add_error(PREFIX + key, reason)  # type: ignore[attr-defined]
        return cleaned


def service_custom(values: dict[str, Any]) -> dict[str, Any]:
    """Form values in the shape the validator takes (users by id)."""
    return {k: (v.pk if isinstance(v, User) else v) for k, v in values.items()}


class CustomFieldForm(forms.ModelForm):
    """Add or edit a field definition; choices one per line as `value|label`."""

    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Choice fields: one per line, as value|label (for example mfg|制造业)."),
    )
    default_text = forms.CharField(
        label=_("Default"),
        required=False,
        max_length=200,
        help_text=_("Money as amount and currency (12.30 CNY); multiple choices separated by ;."),
    )

    class Meta:
        model = CustomField
        fields = [
            "key",
            "label",
            "label_en",
            "kind",
            "required",
            "min_value",
            "max_value",
            "pattern",
            "help_text",
            "section",
        ]
        help_texts = {
            "key": _("Lower-case letters, digits and _; it cannot change later."),
            "label_en": _("Shown on English pages when set."),
            "pattern": _("A regular expression the whole text must match."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["kind"].disabled = True
            self.initial["choices_text"] = "\n".join(
                f"{c['value']}|{c['label']}" for c in self.instance.choices
            )
            default = self.instance.default
            if isinstance(default, dict):
                default = f"{default['amount']} {default['currency']}"
            elif isinstance(default, list):
                default = ";".join(default)
            self.initial["default_text"] = "" if default is None else str(default)

    def validate_unique(self) -> None:
        # The service decides uniqueness (custom_field.key_taken).
        pass

    def _post_clean(self) -> None:
        # The service runs the model's checks, and refuses in its own words.
        pass

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields}
        choices = []
        for line in (self.cleaned_data.get("choices_text") or "").splitlines():
            if line.strip():
                value, _sep, label = line.partition("|")
                choices.append({"value": value.strip(), "label": label.strip() or value.strip()})
        data["choices"] = choices
        default: Any = (self.cleaned_data.get("default_text") or "").strip() or None
        kind = data.get("kind") or self.instance.kind
        if default is not None and kind == FieldKind.MONEY:
            amount, _sep, currency = default.partition(" ")
            default = {"amount": amount, "currency": currency.strip() or "CNY"}
        data["default"] = default
        return data


class LayoutForm(forms.Form):
    role = forms.ModelChoiceField(
        label=_("For role"),
        queryset=Role.objects.order_by("code"),
        required=False,
        empty_label=_("Everyone (no role of their own)"),
    )
    keys = forms.CharField(
        label=_("Fields shown, in order"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One key per line; empty removes the layout."),
    )

    def __init__(self, *args: Any, object_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Picking a role reloads the form with the keys that role has saved.
        self.fields["role"].widget.attrs.update(
            {
                "hx-get": reverse("customfields:layouts") + f"?type={object_type}",
                "hx-target": "#layout-form",
                "hx-select": "#layout-form",
                "hx-swap": "outerHTML",
                "hx-push-url": "true",
            }
        )

    def keys_list(self) -> list[str]:
        return [k.strip() for k in (self.cleaned_data.get("keys") or "").splitlines() if k.strip()]


def object_type_or_404(value: str) -> str:
    from django.http import Http404

    if value not in ObjectType.values:
        raise Http404
    return value
