"""Releasing a credit hold and changing a credit limit need approval (decision 048):
install the default flows, one step, any of finance or the administrators.

Like the non-contract sale flow (receivables 0008): installed here when the installation
has an administrator, else by `install_credit_flows` from the seed or a test.  A type that
has any flow already is left as the company set it.
"""

from django.db import migrations
from django.db.models import Q

FLOWS = {
    "credit.hold_release": "信用冻结解除 Credit hold release",
    "credit.limit_change": "信用额度调整 Credit limit change",
}
STEPS = [
    {
        "approvers": [{"kind": "role", "value": "finance"}, {"kind": "role", "value": "admin"}],
        "rule": "any",
        "deadline_hours": 24,
    }
]


def install_credit_flows(apps, schema_editor):
    Flow = apps.get_model("approvals", "ApprovalFlow")
    Version = apps.get_model("approvals", "ApprovalFlowVersion")
    User = apps.get_model("identity", "User")
    maker = (
        User.objects.filter(Q(is_superuser=True) | Q(roles__code="admin"), is_active=True)
        .order_by("pk")
        .first()
    )
    if maker is None:
        return
    for document_type, name in FLOWS.items():
        if Flow.objects.filter(document_type=document_type).exists():
            continue
        flow = Flow.objects.create(
            document_type=document_type, name=name, priority=100, created_by=maker
        )
        flow.current_version = Version.objects.create(
            flow=flow, number=1, conditions={}, steps=STEPS, created_by=maker
        )
        flow.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_initial"), ("approvals", "0001_initial")]
    operations = [migrations.RunPython(install_credit_flows, migrations.RunPython.noop)]
