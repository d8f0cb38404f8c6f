"""Forms of the approval pages: the flow editor's rows, actions, delegation, documents.

The flow editor shows a flow as rows: condition rows under one all/any switch (rows that
share a group label form one nested group with the other switch), and approver rows
(rows with the same step number are one step).  `flow_rules_from_rows` turns them into
the JSON the services take; `flow_rows_from_rules` goes back, for a saved flow.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cashloop.approvals.choices import ApproverKind, StepRule
from cashloop.approvals.models import Delegation, ExpenseClaim, WorkPlan
from cashloop.approvals.registry import DocumentType, document_type_choices
from cashloop.identity.models import Role, User

OPS = [
    ("eq", "="),
    ("ne", "≠"),
    ("gt", ">"),
    ("gte", "≥"),
    ("lt", "<"),
    ("lte", "≤"),
    ("in", _("is one of")),
    ("contains", _("contains")),
]
MATCH = [("all", _("all of these")), ("any", _("any of these"))]


class FlowForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document type"))
    name = forms.CharField(label=_("Name"), max_length=200)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        initial=100,
        help_text=_("Lower first: the first active flow whose conditions match is used."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    allow_self_approval = forms.BooleanField(
        label=_("The submitter may approve their own request"), required=False
    )
    match = forms.ChoiceField(label=_("Applies when"), choices=MATCH, initial="all")

    def __init__(self, *args: Any, fixed_type: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = document_type_choices()
        if fixed_type:
            self.fields["document_type"].disabled = True


class ConditionRowForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"))
    op = forms.ChoiceField(label=_("Comparison"), choices=OPS)
    value = forms.CharField(
        label=_("Value"), max_length=200, help_text=_("Several values: separate with commas.")
    )
    group = forms.CharField(label=_("Group"), max_length=10, required=False)

    def __init__(self, *args: Any, doc_type: DocumentType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = doc_type.fields if doc_type else {}
        self.fields["field"].choices = [(k, spec.label) for k, spec in fields.items()]
        self.fields["group"].widget.attrs["size"] = 3


class StepRowForm(forms.Form):
    step = forms.IntegerField(label=_("Step"), min_value=1, max_value=20, initial=1)
    kind = forms.ChoiceField(label=_("Approver"), choices=ApproverKind.choices)
    role = forms.ChoiceField(label=pgettext_lazy("approver of a step", "Role"), required=False)
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    rule = forms.ChoiceField(label=_("Rule"), choices=StepRule.choices, initial=StepRule.ANY)
    deadline_hours = forms.IntegerField(
        label=_("Deadline (hours)"), min_value=0, max_value=24 * 90, initial=0, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—")] + [
            (r.code, str(r)) for r in Role.objects.order_by("code")
        ]
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["step"].widget.attrs["size"] = 2

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ApproverKind.ROLE and not data.get("role"):
            self.add_error("role", _("Pick a role."))
        if data.get("kind") == ApproverKind.USER and not data.get("user"):
            self.add_error("user", _("Pick a user."))
        return data


ConditionFormSet = formset_factory(ConditionRowForm, extra=0, can_delete=True)
StepFormSet = formset_factory(StepRowForm, extra=0, can_delete=True, min_num=0)


def _filled(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def flow_rules_from_rows(
    match: str, conditions: forms.BaseFormSet, steps: forms.BaseFormSet
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The JSON rules the rows describe (validated later by the services)."""
    inner = "any" if match == "all" else "all"
    leaves: list[Any] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in _filled(conditions):
        value: Any = row["value"].strip()
        if row["op"] == "in":
            value = [part.strip() for part in value.split(",") if part.strip()]
        leaf = {"field": row["field"], "op": row["op"], "value": value}
        label = (row.get("group") or "").strip()
        if label:
            if label not in groups:
                groups[label] = []
                leaves.append({inner: groups[label]})
            groups[label].append(leaf)
        else:
            leaves.append(leaf)
    tree = {match: leaves} if leaves else {}
    by_step: dict[int, dict[str, Any]] = {}
    for row in sorted(_filled(steps), key=lambda r: r["step"]):
        step = by_step.setdefault(
            row["step"],
            {"approvers": [], "rule": row["rule"], "deadline_hours": row["deadline_hours"] or 0},
        )
        value: Any = None
        if row["kind"] == ApproverKind.ROLE:
            value = row["role"]
        elif row["kind"] == ApproverKind.USER:
            value = row["user"].pk if row["user"] else None
        step["approvers"].append({"kind": row["kind"], "value": value})
    return tree, [by_step[n] for n in sorted(by_step)]


def flow_rows_from_rules(
    conditions: dict[str, Any], steps: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], bool]:
    """Initial rows for a saved version; the last value says whether the page can show it all
    (conditions nested deeper than one level, made through the API, cannot be)."""
    match, rows, complete = "all", [], True
    if conditions:
        match = "all" if "all" in conditions else "any"
        for n, node in enumerate(conditions[match]):
            if "field" in node:
                rows.append(_condition_row(node, ""))
                continue
            for child in next(iter(node.values())):
                if "field" not in child:
                    complete = False
                    continue
                rows.append(_condition_row(child, chr(ord("A") + n % 26)))
    step_rows = []
    for n, step in enumerate(steps, 1):
        for approver in step["approvers"]:
            step_rows.append(
                {
                    "step": n,
                    "kind": approver["kind"],
                    "role": approver["value"] if approver["kind"] == ApproverKind.ROLE else "",
                    "user": approver["value"] if approver["kind"] == ApproverKind.USER else None,
                    "rule": step["rule"],
                    "deadline_hours": step["deadline_hours"],
                }
            )
    return match, rows, step_rows, complete


def _condition_row(node: dict[str, Any], group: str) -> dict[str, Any]:
    value = node["value"]
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return {"field": node["field"], "op": node["op"], "value": text, "group": group}


class ActionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    to_step = forms.IntegerField(label=_("Back to step"), required=False, min_value=1)


# "From" alone is also the giving side of a hand-over; say which one this is.
PERIOD_LABELS = {
    "start": pgettext_lazy("start of a period", "From"),
    "end": pgettext_lazy("end of a period", "Until"),
}


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["delegate", "start", "end"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"delegate": _("Delegate"), **PERIOD_LABELS}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")
        )


class ExpenseClaimForm(forms.ModelForm):
    class Meta:
        model = ExpenseClaim
        fields = ["date", "category", "amount", "currency", "description"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }


class WorkPlanForm(forms.ModelForm):
    class Meta:
        model = WorkPlan
        fields = ["period_start", "period_end", "title", "content"]
        widgets = {
            "period_start": forms.DateInput(attrs={"type": "date"}),
            "period_end": forms.DateInput(attrs={"type": "date"}),
            "content": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"period_start": PERIOD_LABELS["start"], "period_end": PERIOD_LABELS["end"]}
