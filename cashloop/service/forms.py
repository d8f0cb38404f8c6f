"""Page forms of service tickets; saving always goes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cashloop.contracts.models import Contract
from cashloop.cpq.models import Product
from cashloop.customers.models import Contact, Customer
from cashloop.identity.models import User
from cashloop.service.choices import TicketPriority, TicketStatus
from cashloop.service.selectors import agents


class AgentChoiceField(forms.ModelChoiceField):
    """The people a ticket can be assigned to, read when the form is made (not at import)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.none(), required=False, **kwargs)

    def __deepcopy__(self, memo: dict[int, Any]) -> AgentChoiceField:
        field = super().__deepcopy__(memo)
        field.queryset = agents()
        return field  # type: ignore[no-any-return]


# Fields that do not depend on the customer, carried over when choosing one reloads the form.
KEPT_ON_RELOAD = ("subject", "priority", "product", "assignee", "paid_service", "description")


class TicketForm(forms.Form):
    """A new ticket; contacts and contracts offered are the chosen customer's own."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(active=True), required=False
    )
    assignee = AgentChoiceField(label=_("Assignee"))
    paid_service = forms.BooleanField(
        label=_("Paid service"),
        required=False,
        help_text=_("On-site work or repairs the customer is billed for."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(
        self, *args: Any, customers: QuerySet[Customer], customer: Customer | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]
        # Choosing a customer reloads the form: its contacts, contracts and overdue warning.
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("service:create"),
                # What was typed so far (not the CSRF token: the address is kept in history).
                "hx-include": ", ".join(f"#id_{name}" for name in KEPT_ON_RELOAD),
                "hx-push-url": "true",
                "hx-target": "#ticket-form",
                "hx-select": "#ticket-form",
                "hx-swap": "outerHTML",
                "data-testid": "ticket-customer",
            }
        )
        if customer is not None:
            self.fields["contact"].queryset = customer.contacts.all()  # type: ignore[attr-defined]
            self.fields["contract"].queryset = Contract.objects.filter(  # type: ignore[attr-defined]
                customer=customer
            )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "customer_id": data["customer"].pk,
            "subject": data["subject"],
            "priority": data["priority"],
            "description": data["description"],
            "paid_service": data["paid_service"],
            **{
                f"{name}_id": data[name].pk if data[name] else None
                for name in ("contact", "contract", "product", "assignee")
            },
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    internal = forms.BooleanField(
        label=_("Internal note (not sent to the customer)"), required=False
    )
    payment_reminder = forms.BooleanField(
        label=_("Add a payment reminder with the overdue amount"), required=False
    )


class AssignForm(forms.Form):
    assignee = AgentChoiceField(label=_("Assignee"))


class TicketFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *TicketStatus.choices])
    priority = forms.ChoiceField(required=False, choices=[("", ""), *TicketPriority.choices])
    mine = forms.BooleanField(required=False)
    overdue_sla = forms.BooleanField(required=False)
    # Set by the customer 360's "All tickets" link; the list form has no field for it.
    customer = forms.IntegerField(required=False, min_value=1)
