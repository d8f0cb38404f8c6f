"""Forms of the bank pages: bank account, statement upload, import profile, line filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cashloop.banking.choices import LineStatus, StatementFormat
from cashloop.banking.models import BankAccount, ImportProfile
from cashloop.banking.parsers import ENCODING_CHOICES
from cashloop.banking.parsers.tabular import FIELDS, mapped_headers
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.web.forms import date_input

# What each mapped field means, in the profile editor's words.
FIELD_LABELS = {
    "date": _("Booking date"),
    "value_date": _("Value date"),
    "amount": _("Amount (signed, or unsigned with a direction)"),
    "debit": _("Money out (debit column)"),
    "credit": _("Money in (credit column)"),
    "direction": _("Direction (in/out column)"),
    "currency": _("Currency"),
    "payer_name": _("Payer name"),
    "payer_account": _("Payer account"),
    "reference": _("Reference / remittance text"),
    "balance": _("Balance"),
    "bank_id": _("Bank's transaction id"),
}


class BankAccountForm(forms.ModelForm):
    ledger_account = forms.ModelChoiceField(
        label=_("Ledger account"),
        queryset=Account.objects.none(),
        help_text=_("The bank deposits account (银行存款) or one of its sub-accounts."),
    )

    class Meta:
        model = BankAccount
        fields = [
            "name",
            "bank",
            "account_number",
            "iban",
            "bic",
            "currency",
            "ledger_account",
            "profile",
            "open_from",
            "active",
        ]
        widgets = {
            "open_from": date_input(),
            "currency": forms.TextInput(attrs={"size": 3, "placeholder": "CNY"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ledger_account"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Account.objects.filter(
            Q(role=AccountRole.BANK) | Q(parent__role=AccountRole.BANK), is_active=True
        )
        if self.instance.pk:
            self.initial["ledger_account"] = self.instance.ledger_account_id

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["ledger_account_id"] = data.pop("ledger_account").pk
        profile = data.pop("profile")
        data["profile_id"] = profile.pk if profile else None
        return data


class UploadForm(forms.Form):
    bank_account = forms.ModelChoiceField(
        label=_("Bank account"), queryset=BankAccount.objects.none()
    )
    profile = forms.ModelChoiceField(
        label=_("Import profile"),
        queryset=ImportProfile.objects.none(),
        required=False,
        empty_label=_("The bank account's profile"),
        help_text=_("For CSV and Excel files only."),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("", _("Detect it"))] + [(name, name.upper()) for name in ENCODING_CHOICES],
        required=False,
    )
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("camt.053, camt.054, MT940, MT942, OFX, CSV, .xlsx or .xls."),
    )

    def __init__(
        self,
        *args: Any,
        accounts: QuerySet[BankAccount],
        profiles: QuerySet[ImportProfile],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["profile"].queryset = profiles  # type: ignore[attr-defined]


class ProfileForm(forms.ModelForm):
    """The profile's settings plus one text box per mapped field (headers joined by ;)."""

    class Meta:
        model = ImportProfile
        fields = [
            "code",
            "name",
            "file_kind",
            "encoding",
            "delimiter",
            "header_contains",
            "footer_contains",
            "direction_in",
            "direction_out",
            "date_format",
            "decimal_comma",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file_kind"].choices = [  # type: ignore[attr-defined]
            (StatementFormat.CSV, "CSV"),
            (StatementFormat.EXCEL, "Excel"),
        ]
        columns = self.instance.columns or {}
        for field in FIELDS:
            self.fields[f"col_{field}"] = forms.CharField(
                label=FIELD_LABELS[field],
                required=False,
                initial="; ".join(mapped_headers(columns, field)),
                help_text=_("Several columns: separate their headers by ;")
                if field == "reference"
                else "",
            )

    def columns(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for field in FIELDS:
            headers = [h.strip() for h in self.cleaned_data.get(f"col_{field}", "").split(";")]
            headers = [h for h in headers if h]
            if headers:
                result[field] = headers[0] if len(headers) == 1 else headers
        return result

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["columns"] = self.columns()
        return data


class CopyForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)


class LineFilterForm(forms.Form):
    bank_account = forms.ModelChoiceField(
        label=_("Bank account"),
        queryset=BankAccount.objects.none(),
        required=False,
        empty_label=_("Any bank account"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *LineStatus.choices], required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=date_input())
    q = forms.CharField(label=_("Search"), required=False)

    def __init__(self, *args: Any, accounts: QuerySet[BankAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = accounts  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {
                "bank_account_id": None,
                "status": "",
                "date_from": None,
                "date_to": None,
                "q": "",
            }
        data = self.cleaned_data
        account = data.get("bank_account")
        return {
            "bank_account_id": account.pk if account else None,
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "q": data.get("q") or "",
        }
